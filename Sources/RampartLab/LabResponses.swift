import Foundation
import Hummingbird

/// JSON in and out for the lab's handlers.
enum LabJSON {
    static func response(_ status: HTTPResponse.Status, _ object: Any, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        response(status, ["error": message])
    }

    static func text(_ status: HTTPResponse.Status, _ text: String, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A row as a JSON object, keeping only `keys` when given.
    static func object(_ row: Row, keys: [String]? = nil) -> [String: Any] {
        var object: [String: Any] = [:]
        for (key, value) in row where keys?.contains(key) ?? true { object[key] = value.json }
        return object
    }
}

/// A request body read as JSON, or the response that refuses it.
enum BodyResult {
    case json([String: Any])
    case refused(Response)
}

/// Why a request body was refused; the vulnerable lab explains it far too well.
enum BodyProblem: Error {
    case tooLarge, invalid(String)
}

extension Request {
    /// The body as a JSON object, within `limit` bytes.
    func jsonObject(limit: Int) async throws(BodyProblem) -> [String: Any] {
        let buffer: ByteBuffer
        do { buffer = try await body.collect(upTo: limit) } catch { throw .tooLarge }
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
                throw BodyProblem.invalid("expected a JSON object")
            }
            return object
        } catch let problem as BodyProblem {
            throw problem
        } catch {
            throw .invalid("\(error)")
        }
    }
}
