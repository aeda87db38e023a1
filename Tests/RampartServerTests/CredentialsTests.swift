import Foundation
@testable import RampartServer
import Testing

@Test func passwordsAreStoredAsScryptHashesAndVerified() throws {
    #expect(PasswordHasher().costLog2 == 15, "OWASP's minimum for scrypt by default")
    // A cheaper cost for the test: the default's 32 MiB take seconds in a debug build, on a thread the suite shares.
    var hasher = PasswordHasher()
    hasher.costLog2 = 11
    let stored = try hasher.hash("correct horse battery staple")
    #expect(stored.hasPrefix("$scrypt$ln=11,r=8,p=1$") && !stored.contains("correct horse"))
    #expect(try hasher.hash("correct horse battery staple") != stored, "a new salt each time")
    #expect(try hasher.verify("correct horse battery staple", against: stored))
    #expect(try !hasher.verify("correct horse battery stapl", against: stored))
    // Hashes made with other parameters keep verifying after the defaults change.
    var cheaper = PasswordHasher()
    cheaper.costLog2 = 10
    #expect(try hasher.verify("pw", against: cheaper.hash("pw")))
    #expect(throws: PasswordHasher.Malformed(description: "not an scrypt hash")) { try hasher.verify("pw", against: "5f4dcc3b5aa765d61d8327deb882cf99") }
    #expect(throws: PasswordHasher.Malformed(description: "scrypt parameters out of range")) {
        try hasher.verify("pw", against: stored.replacingOccurrences(of: "ln=11", with: "ln=30"))
    }
}

@Test func apiTokensAreShownOnceAndStoredAsHashes() {
    let (token, stored) = APIToken.generate()
    #expect(token.hasPrefix("rmp_") && token.count == 47 && !token.contains("=") && !token.contains("/"))
    #expect(stored.count == 64 && !stored.contains(token))
    #expect(APIToken.storedHash(of: token) == stored && APIToken.generate().token != token)
}
