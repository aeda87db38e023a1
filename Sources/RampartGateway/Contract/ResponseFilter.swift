import Foundation

/// Excessive data exposure, stopped at the edge: properties of a JSON answer that its schema does not
/// declare are removed (or only counted). Objects whose schema allows more properties are left alone.
enum ResponseFilter {
    /// Removes (when `strip`) the undeclared properties of `value`; returns how many there were and the first's path.
    static func filter(_ value: inout Any, schema: SchemaValidator, strip: Bool, at place: String = "$", depth: Int = 0) -> (count: Int, first: String?) {
        guard depth < SchemaValidator.maximumDepth else { return (0, nil) }
        var found = (count: 0, first: String?.none)
        func note(_ result: (count: Int, first: String?)) {
            found.count += result.count
            if found.first == nil { found.first = result.first }
        }
        switch value {
        case var object as [String: Any]:
            let declared = schema.declared
            for key in Array(object.keys) {
                if let property = declared.properties[key] {
                    var child = object[key]!
                    note(filter(&child, schema: property, strip: strip, at: "\(place).\(key)", depth: depth + 1))
                    object[key] = child
                } else if declared.closed {
                    note((1, "\(place).\(SchemaValidator.name(key))"))
                    if strip { object[key] = nil }
                }
            }
            value = object
        case var array as [Any]:
            guard let items = itemsSchema(schema) else { return (0, nil) }
            for index in array.indices { note(filter(&array[index], schema: items, strip: strip, at: "\(place)[]", depth: depth + 1)) }
            value = array
        default:
            break
        }
        return found
    }

    private static func itemsSchema(_ schema: SchemaValidator) -> SchemaValidator? {
        schema.items ?? (schema.allOf + schema.anyOf + schema.oneOf).lazy.compactMap(itemsSchema).first
    }
}

/// Stack traces and framework error pages in 5xx answers: internal details an attacker maps a system with.
enum StackTraceDetector {
    private static let signatures = [
        "Traceback (most recent call last)", "\tat java.", "\n\tat ", "Exception in thread", "at Object.<anonymous>", "node_modules/",
        "    at ", "Stack trace:", "stack trace", "#0 /", "goroutine ", "panic: ", "System.NullReferenceException", "   at System.",
        "Whitelabel Error Page", "SQLSTATE[", "ORA-0", "PG::", "sqlite3.", "Fatal error:", "on line ", "File \"", ".swift:", "Fatal error",
        "\"stack\":", "\"trace\":", "\"exception\":", "\"stackTrace\":",
    ]

    static func looksLikeInternals(_ body: String) -> Bool {
        signatures.contains { body.contains($0) }
    }
}
