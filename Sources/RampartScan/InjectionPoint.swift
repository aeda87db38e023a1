import Foundation
import RampartCore
import RampartGraphQL
import RampartHTTP

/// One place a value goes into a request: a path placeholder, a query parameter, a top-level JSON or form body field,
/// or a GraphQL argument.
struct InjectionPoint {
    enum Place: String { case path, query, header, cookie, body, xml = "XML element", argument = "GraphQL" }
    /// The REST operation; nil for a GraphQL argument, whose operation is `graphQL`.
    var endpoint: Endpoint?
    var graphQL: GraphQLOperation?
    var place: Place
    var name: String
    /// The value the API accepts here.
    var value: String
    var identity: String?
    /// The rest of the body, built once: fresh unique values in every request would make answers differ by themselves.
    var body: [String: Any]?

    init(endpoint: Endpoint, place: Place, name: String, value: String, identity: String?, body: [String: Any]? = nil) {
        self.endpoint = endpoint
        self.place = place
        self.name = name
        self.value = value
        self.identity = identity
        self.body = body
    }

    /// A string argument of a GraphQL operation, passed as its `$value` variable.
    init(graphQL operation: GraphQLOperation, identity: String?) {
        graphQL = operation
        place = .argument
        name = operation.variable?.argument ?? ""
        value = operation.variable?.value ?? ""
        self.identity = identity
    }

    /// How reports name the operation: `POST /users` or `query getUser`.
    var label: String { endpoint?.label ?? graphQL.map { "\($0.kind) \($0.field.name)" } ?? "" }
    var path: String { endpoint?.path ?? "" }

    /// Where a finding points: the REST operation and parameter, or the GraphQL endpoint and `query getUser(username)`.
    func location(_ scan: ScanContext) -> Location {
        if let endpoint { return endpoint.location(parameter: name) }
        return scan.graphQLLocation(graphQL?.label ?? name)
    }

    /// The request with `payload` in this place.
    func request(_ scan: ScanContext, payload: String) -> OutboundRequest {
        guard let endpoint else { return scan.graphQLRequest(graphQL?.document ?? "", variables: ["value": payload]) }
        switch place {
        case .path:
            return scan.request(endpoint, identity: identity, pathValues: [name: payload])
        case .query:
            return scan.request(endpoint, identity: identity, query: [URLQueryItem(name: name, value: payload)])
        case .header:
            var request = scan.request(endpoint, identity: identity)
            request.setHeader(name, payload)
            return request
        case .cookie:
            // The session's cookie, when it has one, is added to this one when the request is sent.
            var request = scan.request(endpoint, identity: identity)
            request.setHeader("Cookie", "\(name)=\(payload.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? payload)")
            return request
        case .xml:
            let plain = scan.request(endpoint, identity: identity)
            let document = XMLBody.document(root: endpoint.xmlRootName, fields: (body ?? [:]).merging([name: payload]) { $1 }, order: endpoint.bodyFieldOrder)
            return OutboundRequest(method: plain.method, url: plain.url, headers: plain.headers.filter { $0.name.lowercased() != "content-type" } + [("Content-Type", "application/xml")],
                                   body: Data(document.utf8))
        case .body, .argument:
            var body = self.body ?? scan.exampleBody(endpoint, identity: identity) ?? [:]
            // A nested field is named by its JSON pointer (`/address/city`), a top-level one by its name.
            guard body[name] == nil, name.hasPrefix("/") else {
                body[name] = payload
                return scan.request(endpoint, identity: identity, body: body)
            }
            return scan.request(endpoint, identity: identity, body: Session.setting(name, to: payload, in: body))
        }
    }

    /// Sent as the identity where the operation is secured, and for crawled ones (the crawl found their forms
    /// signed in, and whether a form needs the session is not observed); anonymously otherwise.
    func send(_ scan: ScanContext, payload: String) async -> Exchange? {
        let signedIn = endpoint.map { $0.isSecured || $0.isCrawled } ?? true
        return await scan.send(request(scan, payload: payload), as: signedIn ? identity : nil)
    }
}

extension ScanContext {
    /// The string fields of a JSON body, top-level ones by name, nested ones (two levels down at most) by JSON pointer.
    static func stringFields(of body: [String: Any], prefix: String = "", depth: Int = 0) -> [(name: String, value: String)] {
        body.sorted { $0.key < $1.key }.flatMap { key, value -> [(name: String, value: String)] in
            let name = prefix.isEmpty ? key : prefix + "/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            if let text = value as? String { return [(name, text)] }
            if let object = value as? [String: Any], depth < 2 { return stringFields(of: object, prefix: prefix.isEmpty ? "/" + name : name, depth: depth + 1) }
            return []
        }
    }

    /// Every injection point the scan may use safely: GET parameters, and JSON or form bodies of POSTs that address no existing object.
    /// At most `limit` of them (a per-scan budget: each check sends a few requests per point).
    func injectionPoints(limit: Int = 80) -> [InjectionPoint] {
        var points: [InjectionPoint] = []
        // Logins included: a user name pasted into SQL is the classic injection.
        for endpoint in endpoints {
            let identity = reachingIdentity(for: endpoint)
            if endpoint.method == "GET" {
                for name in endpoint.pathParameters where ownObject(for: endpoint, identity: identity) == nil {
                    let value = endpoint.pathParameterExample(name).map { "\($0)" } ?? "1"
                    points.append(InjectionPoint(endpoint: endpoint, place: .path, name: name, value: value, identity: identity))
                }
                for place in [InjectionPoint.Place.query, .header, .cookie] {
                    for parameter in endpoint.parameters(in: place.rawValue) {
                        let type = parameter.schema?["type"]?.node.string
                        guard type == nil || type == "string" else { continue }
                        let value = parameter.example.map { "\($0)" } ?? parameter.schema.map { "\(builder(identity: identity).value(for: $0, name: parameter.name))" } ?? "rampart"
                        points.append(InjectionPoint(endpoint: endpoint, place: place, name: parameter.name, value: value, identity: identity))
                    }
                }
            } else if endpoint.method == "POST", endpoint.pathParameters.isEmpty, endpoint.takesXMLBody,
                      let body = endpoint.bodySchema.flatMap({ builder(identity: identity).value(for: $0) as? [String: Any] }) {
                // XML: every text element of the document the schema describes.
                for (name, value) in body.sorted(by: { $0.key < $1.key }) where value is String || value is NSNumber {
                    points.append(InjectionPoint(endpoint: endpoint, place: .xml, name: name, value: "\(value)", identity: identity, body: body))
                }
            } else if endpoint.method == "POST", endpoint.pathParameters.isEmpty, let body = exampleBody(endpoint, identity: identity) {
                for (name, text) in Self.stringFields(of: body) {
                    points.append(InjectionPoint(endpoint: endpoint, place: .body, name: name, value: text, identity: identity, body: body))
                }
            }
        }
        // GraphQL queries' string arguments (mutations change data: not injected into).
        if let builder = graphQL?.builder {
            points += builder.stringArgumentOperations(kind: "query").map { InjectionPoint(graphQL: $0, identity: users.first?.identity.name) }
        }
        return Array(points.prefix(limit))
    }
}
