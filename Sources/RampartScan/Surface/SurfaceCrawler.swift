import Foundation
import RampartHTTP

/// One operation found without an API description: a page or JSON resource, a form, or an endpoint listed in `rampart.yml`.
struct CrawledOperation {
    var method: String
    /// The path with numeric and id-like segments made placeholders: `/home/1` → `/home/{id}`.
    var path: String
    var pathExamples: [(name: String, value: String)] = []
    var query: [(name: String, value: String)] = []
    /// A form body (`application/x-www-form-urlencoded`) with each field's type and default value.
    var form: [(name: String, value: String, type: String)]?
    /// A JSON body, from an endpoint written in `rampart.yml`.
    var json: Any?
    /// Secured by observation: an identity got 2xx where an anonymous request did not.
    var secured = false

    var key: String {
        "\(method) \(path) \(query.map(\.name).sorted()) \(form?.map(\.name).sorted() ?? [])"
    }
}

/// Maps an API that has no description: follows links and forms in HTML, paths in JSON and `robots.txt`, from `/`,
/// the endpoints `rampart.yml` lists and common unlinked paths, within the scan's origin and a page budget, as the
/// identity and as a stranger. Only GETs are sent; links that look destructive (logout, delete) are not followed.
struct SurfaceCrawler {
    var base: URL
    var engine: HTTPEngine
    var session: Session?
    var listed: [RequestTemplate]
    var pageLimit = defaultPageLimit
    static let defaultPageLimit = 80
    /// Paths often left next to an application and never linked: admin panels, debug consoles, backups, metrics.
    static let commonPaths = ["admin", "admin/", "dashboard", "debug", "_debug", "console", "actuator", "actuator/env", "backup", "backups/",
                              "api", "api/v1", "config", "internal", "management", "metrics", "server-status", "status"]

    /// What is probed under each folder the crawl found operations in.
    static let prefixNames = ["debug", "_debug", "admin", "console", "actuator", "swagger.json", "openapi.json", "config", "backup", "backups/", ".env"]

    /// `prefixNames` under the (at most four) folders most operations live in: `/api/v1/debug`, `/app/.env`…
    static func prefixProbes(_ paths: [String]) -> [String] {
        var counts: [String: Int] = [:]
        for path in paths where !path.contains("{") {
            let segments = path.split(separator: "/")
            let folders = path.hasSuffix("/") ? segments.count : segments.count - 1
            for depth in stride(from: 1, through: min(2, folders), by: 1) { counts["/" + segments[0..<depth].joined(separator: "/"), default: 0] += 1 }
        }
        let prefixes = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(4).map(\.key)
        return prefixes.flatMap { prefix in prefixNames.map { "\(prefix)/\($0)" } }
    }

    static let destructiveWords = ["logout", "logoff", "signout", "sign-out", "log-out", "delete", "remove", "destroy", "reset", "drop", "shutdown"]
    static let staticExtensions: Set<String> = ["css", "js", "png", "jpg", "jpeg", "gif", "svg", "ico", "woff", "woff2", "ttf", "eot", "map", "webp", "mp4", "mp3"]

    func crawl() async -> [CrawledOperation] {
        var operations: [String: CrawledOperation] = [:]
        var order: [String] = []
        var written = Set<String>()
        // What rampart.yml says of an operation (its body above all) stands; a form found for it later does not replace it.
        func add(_ operation: CrawledOperation, listed: Bool = false) {
            guard !written.contains(operation.key) else { return }
            if listed { written.insert(operation.key) }
            if operations[operation.key] == nil { order.append(operation.key) }
            operations[operation.key] = operation
        }
        var queue = [base]
        if let landing = await session?.landingPage { queue.append(landing) }
        if let robots = URL(string: "/robots.txt", relativeTo: base)?.absoluteURL { queue.append(robots) }
        for template in listed {
            guard let request = template.request(base: base) else { continue }
            if template.method == "GET" && template.body == nil { queue.append(request.url) } else { add(Self.operation(listed: request), listed: true) }
        }
        // What the site answers for a path that cannot exist: many answer 200 with a "not found" page, and such
        // answers are not operations. Then the common unlinked paths, bounded (one request each).
        let missing = URL(string: "/rampart-missing-\(UUID().uuidString.prefix(8).lowercased())", relativeTo: base)?.absoluteURL
        var notFound: Exchange?
        if let missing { notFound = try? await engine.send(OutboundRequest(method: "GET", url: missing)) }
        queue += Self.commonPaths.compactMap { URL(string: "/" + $0, relativeTo: base)?.absoluteURL }
        var seen = Set<String>()
        var fetched = 0
        var limit = pageLimit
        var probedPrefixes = false
        crawling: while true {
            while !queue.isEmpty, fetched < limit {
                let url = queue.removeFirst()
                guard let page = Self.normalised(url), seen.insert(page.absoluteString).inserted, engine.scope.contains(page), !Self.looksDestructive(page) else { continue }
                fetched += 1
                let request = OutboundRequest(method: "GET", url: page, headers: [("Accept", "text/html,application/json;q=0.9,*/*;q=0.5")])
                // Read as the identity (signed-in pages link more) and as a stranger: what only the first gets is secured.
                var signedIn: Exchange?
                if let session { signedIn = try? await session.send(request) }
                let anonymous = signedIn == nil || signedIn?.response.isSuccess == true ? try? await engine.send(request) : nil
                guard let answer = signedIn ?? anonymous else { continue }
                let secured = signedIn?.response.isSuccess == true && anonymous.map { !$0.response.isSuccess } == true
                let response = answer.response
                if response.isRedirect, let location = response.header("Location"), let next = URL(string: location, relativeTo: page)?.absoluteURL {
                    queue.append(next)
                }
                if page.path == "/robots.txt" {
                    if response.isSuccess { queue += Self.robotsPaths(response.text).compactMap { URL(string: $0, relativeTo: base)?.absoluteURL } }
                    continue
                }
                // The start page is read whatever it looks like (a single-page app answers every path with it).
                if page != base, let notFound, Self.isNotFound(response, like: notFound.response) { continue }
                // Pages answering 404 are no operation; 5xx and 401/403 are (the latter secured or not, by observation).
                if response.status != 404 && response.status != 405 {
                    var operation = Self.operation(method: "GET", url: page)
                    operation.secured = secured
                    add(operation)
                }
                let links = PageLinks(page: page, text: response.text, contentType: response.header("Content-Type") ?? "")
                for link in links.links where engine.scope.contains(link) && !Self.isStatic(link) {
                    queue.append(link)
                }
                queue += Self.listedFiles(page: page, response: response)
                for form in links.forms where engine.scope.contains(form.action) && !Self.looksDestructive(form.action) {
                    if form.method == "GET" {
                        var operation = Self.operation(method: "GET", url: form.action)
                        operation.query += form.fields.filter { $0.type != "submit" || !$0.value.isEmpty }.map { ($0.name, $0.value) }
                        add(operation)
                    } else {
                        var operation = Self.operation(method: "POST", url: form.action)
                        operation.form = form.fields
                        add(operation)
                    }
                }
            }
            // Then the same kind of forgotten paths under each folder the API lives in (`/api/v1/debug`), once.
            guard !probedPrefixes else { break crawling }
            probedPrefixes = true
            queue = Self.prefixProbes(order.compactMap { operations[$0]?.path }).compactMap { URL(string: $0, relativeTo: base)?.absoluteURL }
            limit = fetched + queue.count
        }
        // Listed reads the crawl could not see (no object there yet, say) are operations all the same: the user said so.
        for template in listed where template.method == "GET" && template.body == nil {
            guard let request = template.request(base: base) else { continue }
            let operation = Self.operation(method: "GET", url: request.url)
            if operations[operation.key] == nil { add(operation) }
        }
        return order.compactMap { operations[$0] }
    }

    /// The operation for a URL: placeholders for id-like segments, the query's items as parameters.
    static func operation(method: String, url: URL) -> CrawledOperation {
        var operation = CrawledOperation(method: method, path: "/")
        var segments: [String] = []
        // URL.path drops a trailing slash, which many servers route differently (`/mfa` redirects, `/mfa/` serves).
        let path = URLComponents(url: url, resolvingAgainstBaseURL: true)?.percentEncodedPath ?? url.path
        for segment in path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if isIdentifier(segment) {
                let name = operation.pathExamples.isEmpty ? "id" : "id\(operation.pathExamples.count + 1)"
                operation.pathExamples.append((name, segment))
                segments.append("{\(name)}")
            } else {
                segments.append(segment)
            }
        }
        operation.path = "/" + segments.joined(separator: "/") + (path.count > 1 && path.hasSuffix("/") ? "/" : "")
        operation.query = URLComponents(url: url, resolvingAgainstBaseURL: true)?.queryItems?.map { ($0.name, $0.value ?? "") } ?? []
        return operation
    }

    /// An endpoint written in `rampart.yml`, with its body as the example.
    static func operation(listed request: OutboundRequest) -> CrawledOperation {
        var operation = Self.operation(method: request.method, url: request.url)
        guard let body = request.body else { return operation }
        if request.header("Content-Type")?.contains("json") == true {
            operation.json = try? JSONSerialization.jsonObject(with: body)
        } else {
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: body, as: UTF8.self)
            operation.form = components.queryItems?.map { ($0.name, $0.value ?? "", "text") } ?? []
        }
        return operation
    }

    /// The entries of a server-generated folder listing as files under the folder: listings often link entries
    /// through a script (`?path=./name`) while the server also serves `folder/name` itself.
    static func listedFiles(page: URL, response: ReceivedResponse) -> [URL] {
        let text = response.text
        guard response.isSuccess, AnswerLog.listingSignature.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil,
              var folder = URLComponents(url: page, resolvingAgainstBaseURL: true) else { return [] }
        folder.query = nil
        if !folder.path.hasSuffix("/") { folder.path += "/" }
        let entry = try! NSRegularExpression(pattern: #">\s*([^<>\s/]+)\s*</a>"#)
        return entry.matches(in: text, range: NSRange(text.startIndex..., in: text)).prefix(50).compactMap { match in
            guard let range = Range(match.range(at: 1), in: text), !text[range].hasPrefix("."),
                  let name = String(text[range]).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) else { return nil }
            return URL(string: name, relativeTo: folder.url)?.absoluteURL
        }
    }

    /// A 404, or the same answer as the made-up path (same status, nearly the same page).
    static func isNotFound(_ response: ReceivedResponse, like notFound: ReceivedResponse) -> Bool {
        response.status == 404 || (response.status == notFound.status && ResponseShape.similarity(response.text, notFound.text) >= 0.9)
    }

    static func isIdentifier(_ segment: String) -> Bool {
        if !segment.isEmpty && segment.allSatisfy(\.isNumber) { return true }
        if UUID(uuidString: segment) != nil { return true }
        if segment.count >= 16 && segment.allSatisfy(\.isHexDigit) { return true }
        // Prefixed numbers: `inv-1001`, `ord_20931`, `u12345` (not `v1` or `html5`).
        let digits = segment.filter(\.isNumber).count
        return digits >= 3 && digits * 5 >= segment.count * 2 && segment.count <= 40 && segment.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    static func looksDestructive(_ url: URL) -> Bool {
        let path = url.path.lowercased()
        return destructiveWords.contains { path.contains($0) }
    }

    static func isStatic(_ url: URL) -> Bool {
        url.query == nil && staticExtensions.contains(url.pathExtension.lowercased())
    }

    /// Without the fragment; the query is kept (it is part of what the page does).
    static func normalised(_ url: URL) -> URL? {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return nil }
        components.fragment = nil
        return components.url
    }

    /// `Allow:` and `Disallow:` paths of robots.txt (wildcards cut off).
    static func robotsPaths(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, ["allow", "disallow"].contains(parts[0].lowercased()), parts[1].hasPrefix("/") else { return nil }
            let path = parts[1].prefix { $0 != "*" && $0 != "$" }
            return path.isEmpty ? nil : String(path)
        }
    }
}
