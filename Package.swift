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
    ],
    targets: [
        // The shared vocabulary: findings, rules, score, inventory. Pure, no I/O.
        .target(name: "RampartCore"),
        // OpenAPI 2.0/3.0/3.1 loading (position-aware) and the audit rules.
        .target(name: "RampartSpec", dependencies: ["RampartCore", "Yams"]),
        // Outside-in rating of hosts: headers (Observatory model), TLS, API-specific checks.
        .target(name: "RampartRate", dependencies: ["RampartCore"]),
        // Renderers shared by every command.
        .target(name: "RampartReport", dependencies: ["RampartCore"]),
        // The CLI: parses arguments, wires modules, nothing else.
        .executableTarget(
            name: "rampart",
            dependencies: [
                "RampartCore", "RampartSpec", "RampartReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            resources: [.copy("Resources/demo-openapi.yaml")]
        ),
        .testTarget(name: "RampartCoreTests", dependencies: ["RampartCore"]),
        .testTarget(name: "RampartSpecTests", dependencies: ["RampartSpec"], exclude: ["Fixtures"]),
        .testTarget(name: "RampartRateTests", dependencies: ["RampartRate"]),
        .testTarget(name: "RampartReportTests", dependencies: ["RampartReport", "RampartSpec"]),
        .testTarget(name: "RampartCLITests", dependencies: ["rampart"]),
    ]
)
