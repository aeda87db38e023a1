import Foundation

/// How the vulnerable login compares a password: like a document-database filter, where an object such as
/// `{"$ne": ""}` is an operator instead of a value (the classic NoSQL operator injection).
enum DocumentQuery {
    static func matches(_ filter: Any, stored: String, hash: (String) -> String) -> Bool {
        if let password = filter as? String { return hash(password) == stored }
        guard let operators = filter as? [String: Any], !operators.isEmpty else { return false }
        return operators.allSatisfy { name, operand in
            let value = operand as? String ?? "\(operand)"
            switch name {
            case "$ne": return stored != value
            case "$gt": return stored > value
            case "$gte": return stored >= value
            case "$lt": return stored < value
            case "$regex": return stored.range(of: value, options: .regularExpression) != nil
            case "$exists": return true
            case "$eq": return stored == hash(value)
            default: return false
            }
        }
    }
}
