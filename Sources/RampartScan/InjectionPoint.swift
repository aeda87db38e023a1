import Foundation
import RampartHTTP

/// One place a value goes into a request: a path placeholder, a query parameter or a top-level JSON body property.
struct InjectionPoint {
    enum Place: String { case path, query, body }
    var endpoint: Endpoint
    var place: Place
    var name: String
    /// The value the API accepts here.
    var value: String
    var identity: String?

    /// The request with `payload` in this place.
    func request(_ scan: ScanContext, payload: String) -> OutboundRequest {
        switch place {
        case .path:
            return scan.request(endpoint, identity: identity, pathValues: [name: payload])
        case .query:
            return scan.request(endpoint, identity: identity, query: [URLQueryItem(name: name, value: payload)])
        case .body:
            var body = scan.exampleBody(endpoint, identity: identity) ?? [:]
            body[name] = payload
            return scan.request(endpoint, identity: identity, body: body)
        }
    }

    func send(_ scan: ScanContext, payload: String) async -> Exchange? {
        await scan.send(request(scan, payload: payload), as: endpoint.isSecured ? identity : nil)
    }
}

extension ScanContext {
    /// Every injection point the scan may use safely: GET parameters, and JSON bodies of POSTs that address no existing object.
    func injectionPoints(named words: [String]? = nil) -> [InjectionPoint] {
        let identity = users.first?.identity.name
        func wanted(_ name: String) -> Bool {
            guard let words else { return true }
            let lowered = name.lowercased()
            return words.contains { lowered == $0 || lowered.hasPrefix($0 + "_") || lowered.hasSuffix("_" + $0) || lowered.hasSuffix($0) }
        }
        var points: [InjectionPoint] = []
        for endpoint in endpoints where !endpoint.operation.isAuthenticationEndpoint {
            if endpoint.method == "GET" {
                for name in endpoint.pathParameters where wanted(name) && ownObject(for: endpoint, identity: identity) == nil {
                    let value = endpoint.pathParameterExample(name).map { "\($0)" } ?? "1"
                    points.append(InjectionPoint(endpoint: endpoint, place: .path, name: name, value: value, identity: identity))
                }
                for parameter in endpoint.queryParameters where wanted(parameter.name) {
                    let type = parameter.schema?["type"]?.node.string
                    guard type == nil || type == "string" else { continue }
                    let value = parameter.example.map { "\($0)" } ?? parameter.schema.map { "\(builder(identity: identity).value(for: $0, name: parameter.name))" } ?? "rampart"
                    points.append(InjectionPoint(endpoint: endpoint, place: .query, name: parameter.name, value: value, identity: identity))
                }
            } else if endpoint.method == "POST", endpoint.pathParameters.isEmpty, endpoint.takesJSONBody,
                      let body = exampleBody(endpoint, identity: identity) {
                for (name, value) in body.sorted(by: { $0.key < $1.key }) where wanted(name) {
                    guard let text = value as? String else { continue }
                    points.append(InjectionPoint(endpoint: endpoint, place: .body, name: name, value: text, identity: identity))
                }
            }
        }
        return points
    }
}
