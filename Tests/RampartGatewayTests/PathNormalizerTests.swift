import RampartGateway
import Testing

/// Every spelling of /admin that upstream frameworks accept must reach the same decision.
@Test(arguments: ["/admin", "/%61dmin", "/%61%64%6D%69%6E", "/api/../admin", "//admin", "/admin;x", "/admin;jsessionid=1",
                  "/./admin", "/api/v2/../../admin", "/admin?x=1", "/ADMIN", "/Admin", "///admin//"])
func spellingsOfAdminNormalizeToIt(_ target: String) throws {
    let key = try PathNormalizer.routingKey(target)
    #expect(key == "/admin" || key == "/admin/", "\(target) → \(key)")
}

@Test(arguments: [
    ("/a%2Fb", PathNormalizer.Refusal.encodedSeparator),
    ("/a%2fb", .encodedSeparator),
    ("/a%5Cb", .encodedSeparator),
    ("/a\\b", .controlCharacter),
    ("/a%00b", .controlCharacter),
    ("/a%0d%0aSet-Cookie:x", .controlCharacter),
    ("/a%C0%AFb", .invalidUTF8),
    ("/a%E0%80%AF", .invalidUTF8),
    ("/a%ZZ", .invalidPercentEncoding),
    ("/a%4", .invalidPercentEncoding),
    ("/../etc/passwd", .aboveRoot),
    ("/a/../../b", .aboveRoot),
    ("admin", .notOriginForm),
    ("http://evil/admin", .notOriginForm),
])
func dangerousSpellingsAreRefused(_ target: String, _ refusal: PathNormalizer.Refusal) {
    #expect(throws: refusal) { try PathNormalizer.normalize(target) }
}

@Test func ordinaryPathsKeepTheirMeaning() throws {
    #expect(try PathNormalizer.normalize("/") == "/")
    #expect(try PathNormalizer.normalize("/users/42/orders?limit=5") == "/users/42/orders")
    #expect(try PathNormalizer.normalize("/files/caf%C3%A9") == "/files/café")
    #expect(try PathNormalizer.normalize("/a/b/") == "/a/b/")
    #expect(try PathNormalizer.normalize("/a%20b") == "/a b")
    #expect(try PathNormalizer.normalize("/Users/Me") == "/Users/Me", "case is kept for the upstream; only the routing key folds it")
}
