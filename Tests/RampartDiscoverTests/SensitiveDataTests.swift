import Testing
@testable import RampartDiscover

struct SensitiveDataTests {
    @Test func cardNumbersNeedTheLuhnCheck() {
        #expect(SensitiveData.classify("4111 1111 1111 1111") == .cardNumber)
        #expect(SensitiveData.classify("5500-0000-0000-0004") == .cardNumber)
        #expect(SensitiveData.classify("4111111111111112") == nil)      // fails Luhn
        #expect(SensitiveData.classify("0000000000000000") == nil)      // no network starts with 0
        #expect(SensitiveData.classify("1234567890123") == nil)
    }

    @Test func ibansNeedTheMod97Check() {
        #expect(SensitiveData.classify("GB82 WEST 1234 5698 7654 32") == .iban)
        #expect(SensitiveData.classify("DE89370400440532013000") == .iban)
        #expect(SensitiveData.classify("GB82 WEST 1234 5698 7654 33") == nil)
    }

    @Test func socialSecurityNumbersOutsideIssuedRangesAreNot() {
        #expect(SensitiveData.classify("123-45-6789") == .nationalID)
        for never in ["000-12-3456", "666-12-3456", "900-12-3456", "123-00-4567", "123-45-0000"] { #expect(SensitiveData.classify(never) == nil) }
    }

    @Test func credentialsByShapeAndByName() {
        #expect(SensitiveData.classify("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl") == .jwt)
        #expect(SensitiveData.classify("sk_live_4eC39HqLyjWDarjtT1zdp7dc") == .apiKey)
        #expect(SensitiveData.classify("AKIAIOSFODNN7EXAMPLE") == .apiKey)
        #expect(SensitiveData.classify(name: "password", value: "hunter2") == .password)
        #expect(SensitiveData.classify(name: "client_secret", value: "q8Zr2LmX9vTb4NwK") == .secret)
        #expect(SensitiveData.classify(name: "client_secret", value: "aaaaaaaaaaaaaaaa") == nil)   // no entropy: a placeholder
        #expect(SensitiveData.classify(name: "title", value: "hunter2") == nil)
    }

    @Test func personalData() {
        #expect(SensitiveData.classify("alice@example.com") == .email)
        #expect(SensitiveData.classify("+44 20 7946 0958") == .phone)
        #expect(SensitiveData.classify("(555) 123-4567") == .phone)
        #expect(SensitiveData.classify("2024-05-01") == nil)
        #expect(SensitiveData.classify("version 1.2.3") == nil)
    }

    @Test func sightingsNameThePlaceNotTheValue() {
        let discoverer = Discoverer()
        discoverer.add(TrafficRecord(method: "GET", path: "/customers/7", status: 200, requestHeaders: [],
                                     responseBody: #"{"name":"A","contact":{"email":"alice@example.com"},"cards":[{"pan":"4111111111111111"}]}"#,
                                     responseContentType: "application/json"))
        let operation = discoverer.finish().operations[0]
        #expect(operation.sensitive.map(\.sighting) == [
            SensitiveSighting(place: "response body", name: "$.cards[].pan", kind: .cardNumber),
            SensitiveSighting(place: "response body", name: "$.contact.email", kind: .email),
        ])
        let findings = TrafficFindings.findings(discoverer.finish())
        #expect(Set(findings.map(\.ruleId)) == ["sensitive-data-in-traffic", "personal-data-in-traffic"])
        let written = findings.map { "\($0.message) \($0.evidence?.excerpt ?? "")" }.joined()
        #expect(!written.contains("4111") && !written.contains("alice@"))
    }
}
