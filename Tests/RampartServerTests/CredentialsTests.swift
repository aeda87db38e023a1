import Foundation
@testable import RampartServer
import Testing

@Test func passwordsAreStoredAsScryptHashesAndVerified() throws {
    let hasher = PasswordHasher()
    let stored = try hasher.hash("correct horse battery staple")
    #expect(stored.hasPrefix("$scrypt$ln=15,r=8,p=1$") && !stored.contains("correct horse"))
    #expect(try hasher.hash("correct horse battery staple") != stored, "a new salt each time")
    #expect(try hasher.verify("correct horse battery staple", against: stored))
    #expect(try !hasher.verify("correct horse battery stapl", against: stored))
    // Hashes made with other parameters keep verifying after the defaults change.
    var cheaper = PasswordHasher()
    cheaper.costLog2 = 12
    #expect(try hasher.verify("pw", against: cheaper.hash("pw")))
    #expect(throws: PasswordHasher.Malformed(description: "not an scrypt hash")) { try hasher.verify("pw", against: "5f4dcc3b5aa765d61d8327deb882cf99") }
    #expect(throws: PasswordHasher.Malformed(description: "scrypt parameters out of range")) {
        try hasher.verify("pw", against: stored.replacingOccurrences(of: "ln=15", with: "ln=30"))
    }
}

@Test func apiTokensAreShownOnceAndStoredAsHashes() {
    let (token, stored) = APIToken.generate()
    #expect(token.hasPrefix("rmp_") && token.count == 47 && !token.contains("=") && !token.contains("/"))
    #expect(stored.count == 64 && !stored.contains(token))
    #expect(APIToken.storedHash(of: token) == stored && APIToken.generate().token != token)
}
