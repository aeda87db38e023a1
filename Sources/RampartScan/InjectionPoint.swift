import Foundation
import RampartHTTP

/// One place a value goes into a request: a path placeholder, a query parameter or a top-level JSON or form body field.
struct InjectionPoint {
    enum Place: String { case path, query, body }
    var endpoint: Endpoint
    var place: Place
    var name: String
    /// The value the API accepts here.
    var value: String
    var identity: String?
    /// The rest of the body, built once: fresh unique values in every request would make answers differ by themselves.
    var body: [String: Any]?

    /// The request with `payload` in this place.
    func request(_ scan: ScanContext, payload: String) -> OutboundRequest {
        switch place {
        case .path:
            return scan.request(endpoint, identity: identity, pathValues: [name: payload])
        case .query:
            return scan.request(endpoint, identity: identity, query: [URLQueryItem(name: name, value: payload)])
        case .body:
            var body = self.body ?? scan.exampleBody(endpoint, identity: identity) ?? [:]
            body[name] = payload
            return scan.request(endpoint, identity: identity, body: body)
        }
    }

    /// Sent as the identity where the operation is secured, and for crawled ones (the crawl found their forms
    /// signed in, and whether a form needs the session is not observed); anonymously otherwise.
    func send(_ scan: ScanContext, payload: String) async -> Exchange? {
        await scan.send(request(scan, payload: payload), as: endpoint.isSecured || endpoint.isCrawled ? identity : nil)
    }
}

extension ScanContext {
    /// Every injection point the scan may use safely: GET parameters, and JSON or form bodies of POSTs that address no existing object.
    /// At most `limit` of them (a per-scan budget: each check sends a few requests per point).
    func injectionPoints(limit: Int = 80) -> [InjectionPoint] {
        let identity = users.first?.identity.name
        var points: [InjectionPoint] = []
        // Logins included: a user name pasted into SQL is the classic injection.
        for endpoint in endpoints {
            if endpoint.method == "GET" {
                for name in endpoint.pathParameters where ownObject(for: endpoint, identity: identity) == nil {
                    let value = endpoint.pathParameterExample(name).map { "\($0)" } ?? "1"
                    points.append(InjectionPoint(endpoint: endpoint, place: .path, name: name, value: value, identity: identity))
                }
                for parameter in endpoint.queryParameters {
                    let type = parameter.schema?["type"]?.node.string
                    guard type == nil || type == "string" else { continue }
                    let value = parameter.example.map { "\($0)" } ?? parameter.schema.map { "\(builder(identity: identity).value(for: $0, name: parameter.name))" } ?? "rampart"
                    points.append(InjectionPoint(endpoint: endpoint, place: .query, name: parameter.name, value: value, identity: identity))
                }
            } else if endpoint.method == "POST", endpoint.pathParameters.isEmpty, let body = exampleBody(endpoint, identity: identity) {
                for (name, value) in body.sorted(by: { $0.key < $1.key }) {
                    guard let text = value as? String else { continue }
                    points.append(InjectionPoint(endpoint: endpoint, place: .body, name: name, value: text, identity: identity, body: body))
                }
            }
        }
        return Array(points.prefix(limit))
    }
}
