import Crypto
import Foundation
@testable import RampartScan
import Testing

private func hs256(_ secret: String) -> String {
    JWT.make(header: ["alg": "HS256", "typ": "JWT"], payload: ["sub": "1", "exp": 4_102_444_800], key: Data(secret.utf8))
}

@Test func theBuiltInListCracksCommonSecrets() async throws {
    let token = try #require(JWT(hs256("secret123")))
    #expect(await JWTCracker.crack(token, candidates: JWTCracker.builtIn) == "secret123")
}

@Test func theSharedWordListCracksALeakedSecret() async throws {
    let list = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/wordlists/jwt-secrets.list").path
    let candidates = JWTCracker.candidates(wordlist: list)
    #expect(candidates.count > 100_000)
    // A secret from far down the leaked list, and none of the built-in ones.
    let secret = "!meal$ecret!"
    #expect(!JWTCracker.builtIn.contains(secret))
    #expect(await JWTCracker.crack(try #require(JWT(hs256(secret))), candidates: candidates) == secret)
}

@Test func aRandomSecretIsNotCracked() async throws {
    let token = try #require(JWT(hs256(UUID().uuidString + UUID().uuidString)))
    #expect(await JWTCracker.crack(token, candidates: JWTCracker.builtIn) == nil)
}

@Test func forgedTokensHaveTheExpectedShape() throws {
    let unsigned = JWT.make(header: ["alg": "none"], payload: ["sub": "1"], key: nil)
    #expect(unsigned.hasSuffix("."))
    let parsed = try #require(JWT(unsigned))
    #expect(parsed.algorithm == "none" && parsed.signature.isEmpty)
    #expect(JWT("not-a-token") == nil)
}

@Test func detectorsDoNotFireOnOrdinaryText() {
    #expect(SQLInjection.databaseError(in: #"{"items":[{"name":"Travel card"}]}"#) == nil)
    #expect(SQLInjection.databaseError(in: "SQLITE_ERROR: near \"'\": syntax error") != nil)
    #expect(VerboseErrors.match(#"{"error":"invalid JSON body"}"#) == nil)
    #expect(SensitiveDataExposure.isCardNumber("4111 1111 1111 1111"))
    #expect(!SensitiveDataExposure.isCardNumber("4111 1111 1111 1112"))
    #expect(SensitiveDataExposure.sensitive(in: ["id": 1, "name": "x", "token_type": "Bearer"], path: "").isEmpty)
    #expect(SensitiveDataExposure.sensitive(in: ["user": ["password_hash": "abc"]], path: "") == ["user.password_hash"])
    #expect(!ServerSideRequestForgery.isURLLike("nickname"))
    #expect(ServerSideRequestForgery.isURLLike("image_url") && ServerSideRequestForgery.isURLLike("url"))
}

@Test func oneWordSecretsAreCrackedWithoutAnyFileOfTheMachine() async throws {
    // Words and variations of the shipped list: no --jwt-wordlist, no /usr/share/dict.
    let candidates = JWTCracker.candidates(wordlist: nil)
    #expect(candidates.count > 10_000 && candidates.count < 100_000)
    for secret in ["dragon", "Sunshine123", "p4ssw0rd", "aaaaaaa", "FLASK2025"] {
        #expect(!JWTCracker.builtIn.contains(secret))
        #expect(await JWTCracker.crack(try #require(JWT(hs256(secret))), candidates: candidates) == secret, "\(secret)")
    }
}
