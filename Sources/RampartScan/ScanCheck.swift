import RampartCore

/// One active test: what it finds (its rule) and how it looks for it. Checks decide for themselves
/// which operations they apply to and report only what they confirmed.
public protocol ScanCheck: Sendable {
    var rule: RuleMetadata { get }
    /// Passive checks look at what the active ones received; they run after all of them.
    var passive: Bool { get }
    func run(_ scan: ScanContext) async
}

extension ScanCheck {
    public var passive: Bool { false }
}

/// Every built-in check, in the order they run.
public enum ScanChecks {
    public static let all: [any ScanCheck] = [
        // API1
        BOLARead(), BOLAWrite(), PredictableIDs(),
        // API2
        MissingAuthentication(), JWTNoneAlgorithm(), JWTSignatureNotVerified(), JWTWeakSecret(),
        JWTExpiredAccepted(), JWTKeyConfusion(), UserEnumeration(), LoginBruteForce(), CredentialsInURL(), WildcardKeyBypass(), WeakBasicCredentials(), SessionCookieSecret(), WeakSessionSecret(), ForgeableSession(), RegistrationTakeover(), AnonymousWriteAsAnyUser(), PredictableSessionToken(),
        // API3
        MassAssignment(), SensitiveDataExposure(), UndeclaredResponseProperties(),
        // API4
        NoRateLimiting(), UncappedPageSize(), OversizedInput(), GraphQLDepthUnlimited(), GraphQLAliasOverloading(), GraphQLBatching(), GraphQLDirectiveOverloading(), GraphQLFieldDuplication(), GraphQLIntrospectionDepth(),
        // API5
        AdminOperationReachable(), UndocumentedMethod(), PrivilegedHeaderBypass(),
        // API6
        UnprotectedBusinessFlow(),
        // API7
        ServerSideRequestForgery(),
        // API8
        CORSMisconfiguration(), CORSAnyOrigin(), MissingSecurityHeaders(), TechnologyBanner(), VerboseErrors(), DebugPageExposed(), DirectoryListing(), InformationInComments(),
        CrossSiteScripting(), CrossSiteRequestForgery(), GraphQLCrossSiteRequests(), GraphQLFieldSuggestions(), GraphQLIDEExposed(), GraphQLDebugOutput(), PasswordChangeWithoutCurrent(), TraceEnabled(), SQLInjection(), NoSQLInjection(),
        XMLExternalEntities(), RegexDenialOfService(),
        PathTraversal(), CommandInjection(),
        // API9
        OldAPIVersion(),
    ]

}
