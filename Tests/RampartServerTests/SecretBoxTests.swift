import Foundation
@testable import RampartServer
import Testing

private func randomKey() -> String { Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString() }

@Test func sealedValuesOpenOnlyInTheirPlaceAndShowNothingOfThePlaintext() throws {
    let box = try SecretBox(base64Keys: [randomKey()], source: "test")
    let secret = "alice-scan-password-7f3e"
    let sealed = try box.seal(secret, context: "org:7/asset:3/password")
    #expect(!sealed.contains(secret) && !sealed.contains(Data(secret.utf8).base64EncodedString()))
    #expect(try box.open(sealed, context: "org:7/asset:3/password") == secret)
    #expect(try box.seal(secret, context: "c") != box.seal(secret, context: "c"), "a fresh nonce each time")
    // Copied into another tenant's row, it does not open.
    #expect(throws: SecretBox.Problem.self) { try box.open(sealed, context: "org:8/asset:3/password") }
    // Changed by one character, it does not open either.
    var bytes = Array(sealed)
    bytes[bytes.count - 5] = bytes[bytes.count - 5] == "A" ? "B" : "A"
    #expect(throws: SecretBox.Problem.self) { try box.open(String(bytes), context: "org:7/asset:3/password") }
    #expect(throws: SecretBox.Problem(description: "not a sealed value")) { try box.open("plain text", context: "c") }
}

/// Rotation: a new key goes first, the old one after it; old values still open, `rotate` re-seals them under the new
/// key, and once the old key is dropped only rotated values open.
@Test func keysRotateWithoutLosingWhatTheOldKeySealed() throws {
    let old = randomKey(), new = randomKey()
    let sealedOld = try SecretBox(base64Keys: [old], source: "test").seal("token-1", context: "c")
    let both = try SecretBox(base64Keys: [new, old], source: "test")
    #expect(try both.open(sealedOld, context: "c") == "token-1")
    #expect(try both.needsRotation(sealedOld))
    let rotated = try both.rotate(sealedOld, context: "c")
    #expect(try !both.needsRotation(rotated) && both.rotate(rotated, context: "c") == rotated)
    let onlyNew = try SecretBox(base64Keys: [new], source: "test")
    #expect(try onlyNew.open(rotated, context: "c") == "token-1")
    #expect { try onlyNew.open(sealedOld, context: "c") } throws: { "\($0)".contains("which is not among the keys given") }
}

@Test func keysComeFromTheEnvironmentOrAnOwnerOnlyFile() throws {
    let key = randomKey()
    let fromEnvironment = try SecretBox.load(environment: ["RAMPART_MASTER_KEY": key], keyFile: nil)
    #expect(try fromEnvironment.open(fromEnvironment.seal("x", context: "c"), context: "c") == "x")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-keys-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let file = folder + "/master.key"
    try "# current first\n\(key)\n".write(toFile: file, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
    #expect(throws: SecretBox.Problem(description: "\(file): readable by others (mode 644); chmod 600 it")) { try SecretBox.load(environment: [:], keyFile: file) }
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
    let fromFile = try SecretBox.load(environment: [:], keyFile: file)
    #expect(try fromFile.open(fromEnvironment.seal("same key", context: "c"), context: "c") == "same key")
    #expect(throws: SecretBox.Problem(description: "RAMPART_MASTER_KEY: key 1 is not the base64 of 32 random bytes (make one with: openssl rand -base64 32)")) {
        try SecretBox.load(environment: ["RAMPART_MASTER_KEY": "c2hvcnQ="], keyFile: nil)
    }
    #expect(throws: SecretBox.Problem(description: "no master key: set RAMPART_MASTER_KEY or pass a key file")) { try SecretBox.load(environment: [:], keyFile: nil) }
}
