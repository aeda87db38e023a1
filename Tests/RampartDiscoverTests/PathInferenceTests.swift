import Testing
@testable import RampartDiscover

/// Endpoint inference on paths that fool naive templating.
struct PathInferenceTests {
    /// The templates inferred from `paths`, each requested `times[path]` times (once by default).
    private func templates(_ paths: [String], method: String = "GET", times: [String: Int] = [:]) -> Set<String> {
        let discoverer = Discoverer()
        for path in paths {
            for _ in 0..<(times[path] ?? 1) { discoverer.add(TrafficRecord(method: method, path: path, status: 200)) }
        }
        return Set(discoverer.finish().operations.map(\.template))
    }

    @Test func idsMidPathAreNamedAfterTheirCollection() {
        #expect(templates(["/users/8812/orders/5", "/users/17/orders/99", "/users/3/orders/5/items"])
            == ["/users/{userId}/orders/{orderId}", "/users/{userId}/orders/{orderId}/items"])
    }

    @Test func uuidsHashesDatesAndEmailsAreValues() {
        #expect(templates(["/orgs/550e8400-e29b-41d4-a716-446655440000/members/42", "/orgs/6f1c2b3a-0000-4000-8000-000000000001/members/7"])
            == ["/orgs/{orgId}/members/{memberId}"])
        #expect(templates(["/blobs/5f2b3c4d5e6f708192a3b4c5", "/blobs/deadbeef0123"]) == ["/blobs/{blobId}"])
        #expect(templates(["/reports/2024-05-01", "/reports/2023-12-31"]) == ["/reports/{date}"])
        #expect(templates(["/subscribers/alice@example.com", "/subscribers/bob@example.org"]) == ["/subscribers/{email}"])
        #expect(templates(["/sessions/aZ3kP9qLmN2xB7vC1dE4", "/sessions/Qw8eR7tY6uI5oP4aS3dF"]) == ["/sessions/{sessionId}"])
    }

    @Test func meStaysBesideIds() {
        #expect(templates(["/users/me", "/users/42", "/users/43", "/users/me/settings"]) == ["/users/me", "/users/{userId}", "/users/me/settings"])
    }

    @Test func versionsAreNeverMerged() {
        #expect(templates(["/v1/items", "/v2/items", "/v2.1/items", "/api/v3/items/9"]) == ["/v1/items", "/v2/items", "/v2.1/items", "/api/v3/items/{itemId}"])
    }

    @Test func fileNamesUnderOneFolderAreOneParameterButRootFilesStay() {
        #expect(templates(["/files/report-2024.pdf", "/files/photo.png", "/files/notes.txt", "/files/slides-final.key", "/favicon.ico", "/robots.txt"])
            == ["/files/{fileName}", "/favicon.ico", "/robots.txt"])
    }

    @Test func localeCodesBecomeOneParameter() {
        #expect(templates(["/en/docs/intro", "/de/docs/intro", "/pt-BR/docs/intro", "/en/docs/setup"]) == ["/{locale}/docs/intro", "/{locale}/docs/setup"])
    }

    @Test func slugsMergeButABusyRouteBesideThemStays() {
        let slugs = ["how-to-cook-rice", "ten-tips-for-tea", "why-bread-rises", "the-best-knife-2024", "a-guide-to-salt"].map { "/articles/" + $0 }
        // `editors-pick-of-the-week` is shaped like a slug but called far more often than any: a route of its own.
        #expect(templates(slugs + ["/articles/editors-pick-of-the-week", "/articles/latest"], times: ["/articles/editors-pick-of-the-week": 60])
            == ["/articles/{articleName}", "/articles/editors-pick-of-the-week", "/articles/latest"])
    }

    @Test func distinctStaticRoutesAreNeverMerged() {
        let routes = ["users", "orders", "products", "carts", "payments", "invoices", "shipping-addresses", "gift-cards"].map { "/api/v1/" + $0 }
        #expect(templates(routes, times: Dictionary(uniqueKeysWithValues: routes.map { ($0, 20) })) == Set(routes))
    }

    @Test func trailingSlashesAndEncodingDoNotSplitARoute() {
        #expect(templates(["/users/42/", "/users/43", "/users//44"]) == ["/users/{userId}"])
    }

    @Test func parameterNamesAreUniqueInATemplate() {
        #expect(templates(["/a/1/2", "/a/3/4"]) == ["/a/{aId}/{id}"])
        #expect(templates(["/1/2", "/3/4"]) == ["/{id}/{id2}"])
    }
}
