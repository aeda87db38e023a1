extension Auditor {
    /// Every audit rule, in catalogue order. Adding a rule is adding its file and one line here.
    public static let rules: [any AuditRule.Type] = [
        // Authentication and authorization
        NoSecuritySchemes.self, UnsecuredWriteOperation.self, UnsecuredPersonalData.self, UnsecuredReadOperation.self,
        SecurityOptOut.self, HTTPBasicAuth.self, InsecureHTTPAuthScheme.self, APIKeyInQuery.self, APIKeyInCookie.self,
        CredentialsInURL.self, OAuth2ImplicitFlow.self, OAuth2PasswordFlow.self, OAuthURLInsecure.self,
        OAuth2NoRefreshURL.self, BearerWithoutFormat.self, JWTPracticesUndocumented.self, UndefinedSecurityScheme.self,
        UndefinedOAuthScope.self, AdminSecurityShared.self,
        // Transport and servers
        ServerInsecureHTTP.self, ServerLocalhost.self, ServerPrivateAddress.self, ServerNonProduction.self, NoServers.self,
        ServerVariableUnbounded.self, ServerVersionMismatch.self, UnversionedAPI.self, ServerEnvironmentUndeclared.self,
        // Input
        StringUnbounded.self, StringUnrestricted.self, ArrayUnbounded.self, NumberUnbounded.self, IntegerWithoutFormat.self,
        RequestAdditionalProperties.self, PrivilegedPropertyInRequest.self, AdditionalPropertiesUnconstrained.self, RequestBodyWithoutSchema.self,
        ParameterWithoutSchema.self, RequestSchemaPermissive.self, SequentialIntegerID.self, PatternUnanchored.self,
        URLParameterSSRF.self,
        // Output
        SensitiveDataInResponse.self, TokenInResponse.self, UnpaginatedCollection.self, MissingAuthErrorResponses.self,
        Missing429Response.self, RateLimitHeadersMissing.self, RetryAfterMissing.self, NoErrorResponses.self,
        MissingValidationErrorResponse.self, Missing500Response.self, CORSPolicyUndocumented.self,
        // Inventory
        DeprecatedOperation.self, MultipleAPIVersions.self, MissingContact.self, MissingSecurityContact.self,
        UnresolvedReference.self,
    ]
}
