import Foundation
import RampartSpec

/// Writes what the crawl found as an OpenAPI document, so that every check works on it as on a described API.
enum SurfaceDescription {
    static let file = "(crawled surface)"

    static func document(_ operations: [CrawledOperation]) throws(SpecError) -> APIDescription {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var entry: [String: Any] = ["responses": ["200": ["description": "seen by the crawl"]]]
            var parameters: [[String: Any]] = operation.pathExamples.map { name, value in
                ["name": name, "in": "path", "required": true, "schema": ["type": "string"], "example": value]
            }
            for (name, value) in operation.query where !parameters.contains(where: { $0["name"] as? String == name }) {
                parameters.append(["name": name, "in": "query", "required": true, "schema": ["type": "string"], "example": value])
            }
            if !parameters.isEmpty { entry["parameters"] = parameters }
            if let form = operation.form {
                var properties: [String: Any] = [:]
                for field in form {
                    var schema: [String: Any] = ["type": "string"]
                    if field.type == "password" { schema["format"] = "password" }
                    if field.type == "email" { schema["format"] = "email" }
                    if !field.value.isEmpty { schema["example"] = field.value }
                    properties[field.name] = schema
                }
                // `required` keeps the page's order of the fields (a browser sends them all, in that order).
                var names: [String] = []
                for field in form where !names.contains(field.name) { names.append(field.name) }
                let schema: [String: Any] = ["type": "object", "properties": properties, "required": names]
                entry["requestBody"] = ["content": ["application/x-www-form-urlencoded": ["schema": schema]]]
            } else if let json = operation.json {
                entry["requestBody"] = ["content": ["application/json": ["schema": schema(of: json)]]]
            }
            entry["security"] = operation.secured ? [["observed": [String]()]] : [[String: [String]]]()
            // The same method and path twice (listed in rampart.yml with JSON, and a form on a page): one operation
            // taking both bodies; the first seen is kept otherwise.
            if let earlier = paths[operation.path]?[operation.method.lowercased()] as? [String: Any] {
                var content = (earlier["requestBody"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
                content.merge((entry["requestBody"] as? [String: Any])?["content"] as? [String: Any] ?? [:]) { first, _ in first }
                entry = earlier
                if !content.isEmpty { entry["requestBody"] = ["content": content] }
            }
            paths[operation.path, default: [:]][operation.method.lowercased()] = entry
        }
        let root: [String: Any] = [
            "openapi": "3.0.3",
            "info": ["title": "surface found by crawling", "version": "0"],
            "components": ["securitySchemes": ["observed": ["type": "apiKey", "in": "header", "name": "Authorization"]]],
            "paths": paths,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])) ?? Data("{}".utf8)
        return try APIDescription(SpecDocument(text: String(decoding: data, as: UTF8.self), file: file))
    }

    /// A schema whose examples are the value's own parts.
    static func schema(of value: Any) -> [String: Any] {
        switch value {
        case let object as [String: Any]:
            return ["type": "object", "properties": object.mapValues(schema(of:))]
        case let array as [Any]:
            return ["type": "array", "items": array.first.map(schema(of:)) ?? ["type": "string"]]
        case let number as NSNumber:
            // Booleans arrive as numbers too; the example keeps the value either way.
            return ["type": number.stringValue.contains(".") ? "number" : "integer", "example": number]
        case let text as String:
            return ["type": "string", "example": text]
        default:
            return ["type": "string"]
        }
    }
}
