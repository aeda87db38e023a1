/// Words that make a path a login (where credential stuffing and brute force happen), and the names clients give page sizes.
enum LoginPaths {
    static let words = ["login", "logon", "signin", "sign-in", "token", "session", "sessions", "authenticate", "auth"]
    static let pageSizeParameters: Set<String> = ["limit", "page_size", "pagesize", "per_page", "perpage", "size", "count", "top", "$top"]

    static func matches(_ path: String) -> Bool {
        path.lowercased().split(separator: "/").contains { words.contains(String($0)) }
    }
}
