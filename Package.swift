// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Rampart",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rampart", targets: ["rampart"]),
        .library(name: "RampartCore", targets: ["RampartCore"]),
        .library(name: "RampartSpec", targets: ["RampartSpec"]),
        .library(name: "RampartReport", targets: ["RampartReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL", from: "4.3.0"),
    ],
    targets: [
        // The shared vocabulary: findings, rules, score, inventory. Pure, no I/O.
        .target(name: "RampartCore"),
        // OpenAPI 2.0/3.0/3.1 loading (position-aware) and the audit rules.
        .target(name: "RampartSpec", dependencies: ["RampartCore", "Yams"]),
        // Outside-in rating of hosts: headers (Observatory model), TLS, API-specific checks.
        .target(
            name: "RampartRate",
            dependencies: [
                "RampartCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The system SQLite library, which the lab stores its data in (real SQL, so its injections are real).
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // The deliberately vulnerable demo API and its secure twin.
        .target(
            name: "RampartLab",
            dependencies: [
                "CSQLite", "RampartGraphQL",
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/openapi.json"), .copy("Resources/rampart.yml")]
        ),
        // The outbound HTTP engine: scope guard, rate and concurrency limits, identities and logins, redaction.
        .target(
            name: "RampartHTTP",
            dependencies: [
                "RampartCore", "RampartSpec",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // GraphQL schemas (from introspection or SDL) and the operations built from them.
        .target(name: "RampartGraphQL", dependencies: [.product(name: "GraphQL", package: "GraphQL")]),
        // Active checks (Swift) and rule packs (YAML data), the planner and the runner.
        .target(
            name: "RampartScan",
            dependencies: [
                "RampartCore", "RampartSpec", "RampartHTTP", "RampartGraphQL", "Yams",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Rules"), .copy("Words")]
        ),
        // The security gateway: request normalisation and hardening, authentication, rate limits, proxying.
        .target(
            name: "RampartGateway",
            dependencies: [
                "RampartCore", "RampartSpec", "RampartDiscover", "RampartGraphQL",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            // The per-request path mutates handler state dozens of times; release builds skip the run-time exclusivity
            // check on each (about 1 µs a request, Benchmarks/README.md). Debug builds, and so the tests, keep it.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // zlib, for gzip-compressed traffic files.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Traffic inventory: HAR, access logs and gateway records in; endpoint templates, sensitive data, spec diff, a drafted spec out.
        .target(name: "RampartDiscover", dependencies: ["RampartCore", "RampartSpec", "RampartGraphQL", "CZlib"]),
        // `rampart serve`, the platform (issue #15; so far its findings lifecycle, SARIF imports, encryption at rest, credentials and the job queue's rules).
        .target(name: "RampartServer", dependencies: ["RampartCore", .product(name: "Crypto", package: "swift-crypto"),
                                                      .product(name: "_CryptoExtras", package: "swift-crypto")]),
        // Renderers shared by every command.
        .target(name: "RampartReport", dependencies: ["RampartCore"]),
        // The CLI: parses arguments, wires modules, nothing else.
        .executableTarget(
            name: "rampart",
            dependencies: [
                "RampartCore", "RampartSpec", "RampartReport", "RampartRate", "RampartHTTP", "RampartScan", "RampartGraphQL", "RampartLab", "RampartGateway",
                "RampartDiscover",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Benchmarks/scan: the HTTP engine's throughput against the lab.
        .executableTarget(name: "rampart-engine-bench", dependencies: ["RampartHTTP"], path: "Benchmarks/scan/EngineBench"),
        // Benchmarks/gateway/graphql.sh: the CPU time of the gateway's GraphQL policy per request.
        .executableTarget(name: "rampart-graphql-bench", dependencies: ["RampartGateway", .product(name: "NIOCore", package: "swift-nio")],
                          path: "Benchmarks/gateway/GraphQLBench"),
        .testTarget(name: "RampartCoreTests", dependencies: ["RampartCore"]),
        .testTarget(name: "RampartSpecTests", dependencies: ["RampartSpec"], exclude: ["Fixtures"]),
        // Local HTTP(S) servers and certificates for tests; not part of the product.
        .target(
            name: "RampartTestSupport",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "RampartRateTests",
            dependencies: [
                "RampartRate", "RampartTestSupport",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(name: "RampartHTTPTests", dependencies: ["RampartHTTP", "RampartLab", "RampartSpec", "RampartTestSupport"]),
        .testTarget(
            name: "RampartScanTests",
            dependencies: ["RampartScan", "RampartGraphQL", "RampartLab", "RampartSpec", "RampartHTTP", "RampartGateway", "RampartReport", "RampartTestSupport",
                           .product(name: "GraphQL", package: "GraphQL"), .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "RampartGatewayTests",
            dependencies: [
                "RampartGateway", "RampartSpec", "RampartLab", "RampartDiscover", "RampartTestSupport",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "RampartDiscoverTests", dependencies: ["RampartDiscover", "RampartGraphQL", "RampartSpec", "RampartCore", "RampartTestSupport"]),
        .testTarget(name: "RampartServerTests", dependencies: ["RampartServer", "RampartCore", "RampartReport",
                                                              .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        .testTarget(name: "RampartReportTests", dependencies: ["RampartReport", "RampartSpec"], exclude: ["Fixtures"]),
        .testTarget(
            name: "RampartCLITests",
            dependencies: ["rampart", "RampartTestSupport", "RampartLab", .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
    ]
)
