// swift-tools-version:6.0
// What SwiftNIO itself costs a proxy on this machine, with no gateway work at all: the floor under
// `rampart gateway`'s figures (Benchmarks/gateway/run.sh measures it in the same run as HAProxy).
import PackageDescription

let package = Package(
    name: "NIOFloor",
    dependencies: [.package(url: "https://github.com/apple/swift-nio", from: "2.101.2")],
    targets: [
        .executableTarget(name: "NIOFloor", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
    ]
)
