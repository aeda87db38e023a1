/// Reads the parts of a description into `APIDescription`'s typed pieces,
/// mapping Swagger 2.0 onto the OpenAPI 3 shape.
struct Builder {
    let document: SpecDocument
    let version: SpecVersion
    var root: Cursor { document.root }

    func servers() -> [APIDescription.Server] {
        guard version == .swagger2 else {
            return (root["servers"]?.items ?? []).compactMap { item in
                guard let url = item.node["url"]?.string else { return nil }
                return APIDescription.Server(url: url, cursor: item["url"]!, variables: item["variables"]?.entries.map { ($0.key, $0.cursor) } ?? [])
            }
        }
        // 2.0: one server per scheme; without `schemes` the spec's own scheme applies, which we cannot know.
        guard let host = root["host"], let hostName = host.node.string else { return [] }
        let basePath = root.node["basePath"]?.string ?? ""
        let schemes = root["schemes"]?.items ?? []
        if schemes.isEmpty { return [APIDescription.Server(url: "//\(hostName)\(basePath)", cursor: host, variables: [])] }
        return schemes.compactMap { scheme in
            scheme.node.string.map { APIDescription.Server(url: "\($0)://\(hostName)\(basePath)", cursor: scheme, variables: []) }
        }
    }

    func securitySchemes() -> [APIDescription.SecurityScheme] {
        let container = version == .swagger2 ? root["securityDefinitions"] : root["components"]?["securitySchemes"]
        return (container?.entries ?? []).compactMap { name, reference in
            guard let cursor = document.resolve(reference) else { return nil }
            let node = cursor.node
            var type = node["type"]?.string ?? ""
            var scheme = node["scheme"]?.string?.lowercased()
            if type == "basic" { type = "http"; scheme = "basic" }
            var flows: [APIDescription.OAuthFlow] = []
            if type == "oauth2" {
                if version == .swagger2 {
                    let names = ["implicit": "implicit", "password": "password", "application": "clientCredentials", "accessCode": "authorizationCode"]
                    if let flow = node["flow"]?.string {
                        flows.append(.init(kind: names[flow] ?? flow, cursor: cursor, scopes: cursor["scopes"]?.entries.map(\.key) ?? []))
                    }
                } else {
                    flows = (cursor["flows"]?.entries ?? []).map { .init(kind: $0.key, cursor: $0.cursor, scopes: $0.cursor["scopes"]?.entries.map(\.key) ?? []) }
                }
            }
            return .init(name: name, cursor: cursor, type: type, scheme: scheme, bearerFormat: node["bearerFormat"]?.string,
                         location: node["in"]?.string, flows: flows)
        }
    }

    func requirement(_ cursor: Cursor) -> APIDescription.SecurityRequirement? {
        guard case .array = cursor.node.value else { return nil }
        let alternatives = cursor.items.map { item in
            item.node.entries.map { (scheme: $0.key, scopes: $0.node.strings) }
        }
        return .init(alternatives: alternatives, cursor: cursor)
    }

    func operations(globalSecurity: APIDescription.SecurityRequirement?) -> [APIDescription.Operation] {
        var result: [APIDescription.Operation] = []
        let globalConsumes = root.node["consumes"]?.strings ?? []
        let globalProduces = root.node["produces"]?.strings ?? []
        for (path, itemReference) in root["paths"]?.entries ?? [] where path.hasPrefix("/") {
            guard let item = document.resolve(itemReference), item.node.isObject else { continue }
            let shared = parameters(item["parameters"])
            for method in APIDescription.methods {
                // Operations are not $ref-able in the standard, but multi-file specs (DigitalOcean) do it.
                guard let op = item[method].flatMap(document.resolve), op.node.isObject else { continue }
                var params = shared
                for parameter in parameters(op["parameters"]) {
                    params.removeAll { $0.name == parameter.name && $0.location == parameter.location }
                    params.append(parameter)
                }
                var body: APIDescription.RequestBody?
                if version == .swagger2 {
                    let consumes = op.node["consumes"]?.strings ?? globalConsumes
                    if let bodyParam = params.first(where: { $0.location == "body" }) {
                        let types = consumes.isEmpty ? ["application/json"] : consumes
                        body = .init(cursor: bodyParam.cursor, content: types.map { .init(name: $0, cursor: bodyParam.cursor, schema: bodyParam.cursor["schema"]) })
                    }
                    params.removeAll { $0.location == "body" }
                } else if let reference = op["requestBody"], let resolved = document.resolve(reference) {
                    body = .init(cursor: resolved, content: mediaTypes(resolved["content"]))
                }
                let produces = op.node["produces"]?.strings ?? globalProduces
                let responsesCursor = op["responses"]
                let responses: [APIDescription.Response] = (responsesCursor?.entries ?? []).compactMap { status, reference in
                    guard let response = document.resolve(reference) else { return nil }
                    let content: [APIDescription.MediaType]
                    if version == .swagger2 {
                        content = response["schema"].map { schema in
                            (produces.isEmpty ? ["application/json"] : produces).map { .init(name: $0, cursor: response, schema: schema) }
                        } ?? []
                    } else {
                        content = mediaTypes(response["content"])
                    }
                    return .init(status: status.uppercased(), cursor: response, content: content,
                                 headers: response.node["headers"]?.entries.map { $0.key.lowercased() } ?? [])
                }
                let own = op["security"].flatMap(requirement)
                result.append(.init(
                    method: method.uppercased(), path: path, cursor: op, operationId: op.node["operationId"]?.string,
                    parameters: params, requestBody: body, responses: responses, responsesCursor: responsesCursor,
                    ownSecurity: own, security: own ?? globalSecurity, deprecated: op.node["deprecated"]?.bool == true,
                    isAuthenticationEndpoint: APIDescription.Operation.isAuthenticationPath(path)))
            }
        }
        return result
    }

    private func mediaTypes(_ content: Cursor?) -> [APIDescription.MediaType] {
        (content?.entries ?? []).map { .init(name: $0.key, cursor: $0.cursor, schema: $0.cursor["schema"]) }
    }

    private func parameters(_ list: Cursor?) -> [APIDescription.Parameter] {
        (list?.items ?? []).compactMap { reference in
            guard let cursor = document.resolve(reference), let name = cursor.node["name"]?.scalarText,
                  let location = cursor.node["in"]?.string else { return nil }
            var schema = cursor["schema"]
            if schema == nil, version == .swagger2, location != "body" { schema = cursor }
            if schema == nil, let content = cursor["content"]?.entries.first { schema = content.cursor["schema"] }
            return .init(name: name, location: location, required: cursor.node["required"]?.bool == true || location == "path",
                         cursor: cursor, schema: schema)
        }
    }
}
