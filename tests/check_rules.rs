//! The catalog rules of `check`: each rule on a condition that should trip it (the finding, its
//! severity and the text it points at), and the patterns Microsoft documents, which must
//! produce no finding at all.

use azcond::check::{check, check_with, Catalog};
use azcond::Severity;

const BLOBS: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";
const READ_GUARD: &str = "!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})";

fn findings(src: &str) -> Vec<(String, Severity, String)> {
    check(src)
        .findings
        .into_iter()
        .map(|f| {
            (
                f.code,
                f.severity,
                f.span.slice(src).unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Asserts exactly one finding, with this code and severity, on this text.
fn one(src: &str, code: &str, severity: Severity, on: &str) {
    let got = findings(src);
    assert_eq!(got, [(code.to_string(), severity, on.to_string())], "{src}");
}

fn guarded(guard: &str, expr: &str) -> String {
    format!("(({guard}) OR ({expr}))")
}

// ---- documented patterns: no finding ----

#[test]
fn documented_patterns_have_no_finding() {
    let clean = [
        // storage: container name on read, tags on read excluding list, path, versions, HNS
        guarded("!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'})", "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'blobs-example-container'"),
        guarded(READ_GUARD, &format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'")),
        guarded(READ_GUARD, &format!("@Resource[{BLOBS}:path] StringLike 'readonly/*'")),
        guarded(&format!("!(ActionMatches{{'{BLOBS}/read'}} AND SubOperationMatches{{'Blob.List'}})"), &format!("@Request[{BLOBS}:prefix] StringStartsWith 'readonly/'")),
        guarded(&format!("!(ActionMatches{{'{BLOBS}/write'}} AND SubOperationMatches{{'Blob.Write.WithTagHeaders'}}) AND !(ActionMatches{{'{BLOBS}/add/action'}} AND SubOperationMatches{{'Blob.Write.WithTagHeaders'}})"), &format!("@Request[{BLOBS}/tags&$keys$&] ForAllOfAnyValues:StringEquals {{'Project', 'Program'}}")),
        guarded(&format!("!(ActionMatches{{'{BLOBS}/delete'}}) AND !(ActionMatches{{'{BLOBS}/deleteBlobVersion/action'}})"), &format!("@Request[{BLOBS}:versionId] DateTimeLessThan '2022-06-01T00:00:00.0Z'")),
        format!("@Request[{BLOBS}:versionId] DateTimeEquals '2022-06-01T23:38:32.8883645Z' OR @Resource[{BLOBS}:isCurrentVersion] BoolEquals true"),
        format!("Exists @Request[{BLOBS}:snapshot] OR NOT Exists @Request[{BLOBS}:versionId]"),
        guarded(READ_GUARD, "@Resource[Microsoft.Storage/storageAccounts:isHnsEnabled] BoolEquals true"),
        guarded(READ_GUARD, "@Resource[Microsoft.Storage/storageAccounts/encryptionScopes:name] ForAnyOfAnyValues:StringEquals {'validScope1', 'validScope2'}"),
        // principal attributes, single and multi-valued, against tags
        guarded(READ_GUARD, &format!("@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project] StringEquals @Resource[{BLOBS}/tags:Project<$key_case_sensitive$>]")),
        guarded(READ_GUARD, &format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>] ForAnyOfAnyValues:StringEquals @Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project]")),
        // environment
        guarded(READ_GUARD, "@Environment[isPrivateLink] BoolEquals true"),
        guarded(READ_GUARD, "@Environment[Microsoft.Network/privateEndpoints] StringEqualsIgnoreCase '/subscriptions/x/resourceGroups/g/providers/Microsoft.Network/privateEndpoints/p'"),
        guarded("!(ActionMatches{'Microsoft.Storage/storageAccounts/queueServices/queues/messages/read'})", "@Resource[Microsoft.Storage/storageAccounts/queueServices/queues:name] StringEquals 'sample-queue' AND @Environment[UtcNow] DateTimeGreaterThan '2023-05-01T13:00:00.000Z'"),
        // delegation: write via @Request, delete via @Resource; GuidEquals on a single value
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {b24988ac-6180-42a0-ab88-20f7382dd24c} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'Group','ServicePrincipal'})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{08d4c71acc634ce4a9c85dd251b4d619}))".into(),
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAllValues:GuidNotEquals {8e3af657-a8ff-443c-a75c-2fe8c4bcb635, f58310d9-a9f6-439a-9e8d-f62e7b41a168}))".into(),
        "@Request[Microsoft.Authorization/roleAssignments:PrincipalId] GuidEquals 28c35fea-2099-4cf5-8ad9-473547bc9423".into(),
        // Key Vault, ACR, Log Analytics
        "!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'}) OR @Resource[Microsoft.KeyVault/vaults/secrets:name] StringStartsWith 'test-app'".into(),
        "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'backend/'))".into(),
        "((!(ActionMatches{'Microsoft.OperationalInsights/workspaces/tables/data/read'})) OR (@Resource[Microsoft.OperationalInsights/workspaces/tables:name] StringEquals 'Heartbeat'))".into(),
        // legacy suboperation form, container metadata
        format!("((!(ActionMatches{{'{BLOBS}/read'}} AND @Request[subOperation] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'Blob.Read.WithTagConditions'}})) OR (@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'))"),
        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/metadata:stage] StringEquals 'import-external'".into(),
        "ActionMatches{'Microsoft.Authorization/roleDefinitions/*'}".into(),
    ];
    for src in &clean {
        assert_eq!(findings(src), [], "{src}");
    }
}

// ---- errors ----

#[test]
fn unknown_attribute_suggests_the_closest() {
    let src = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:nmae] StringEquals 'x'";
    one(
        src,
        "unknown-attribute",
        Severity::Error,
        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:nmae]",
    );
    let help = check(src).findings[0].help.clone().unwrap();
    assert!(help.contains("did you mean `@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]`"), "{help}");
    one(
        "@Resource[Microsoft.ServiceBus/namespaces/queues:Name] StringEquals 'foo'",
        "unknown-attribute",
        Severity::Error,
        "@Resource[Microsoft.ServiceBus/namespaces/queues:Name]",
    );
}

#[test]
fn attribute_from_the_wrong_source() {
    one(
        "@Request[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'x'",
        "attribute-source",
        Severity::Error,
        "@Request[Microsoft.Storage/storageAccounts/blobServices/containers:name]",
    );
    one(
        "@Resource[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Project] StringEquals 'x'",
        "attribute-source",
        Severity::Error,
        "@Resource[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Project]",
    );
}

#[test]
fn tag_key_without_marker() {
    let attr = format!("@Resource[{BLOBS}/tags:Project]");
    one(
        &format!("{attr} StringEquals 'x'"),
        "missing-key-marker",
        Severity::Error,
        &attr,
    );
}

#[test]
fn operator_of_the_wrong_type() {
    one("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] StringEquals 'b24988ac-6180-42a0-ab88-20f7382dd24c'", "operator-type", Severity::Error, "StringEquals");
    one(
        "@Resource[Microsoft.Storage/storageAccounts:isHnsEnabled] StringEquals 'true'",
        "operator-type",
        Severity::Error,
        "StringEquals",
    );
}

#[test]
fn utc_now_takes_only_greater_and_less_than() {
    one(
        "@Environment[UtcNow] DateTimeEquals '2023-05-01T13:00:00.0Z'",
        "operator-not-allowed",
        Severity::Error,
        "DateTimeEquals",
    );
    one(
        "@Environment[UtcNow] DateTimeGreaterThanEquals '2023-05-01T13:00:00.0Z'",
        "operator-not-allowed",
        Severity::Error,
        "DateTimeGreaterThanEquals",
    );
}

#[test]
fn quantifier_not_allowed() {
    one(
        &format!("@Resource[{BLOBS}:path] ForAnyOfAnyValues:StringStartsWith {{'a', 'b'}}"),
        "quantifier-not-allowed",
        Severity::Error,
        "ForAnyOfAnyValues:StringStartsWith",
    );
    one(
        &format!("@Resource[{BLOBS}:isCurrentVersion] ForAnyOfAnyValues:BoolEquals {{true}}"),
        "quantifier-not-allowed",
        Severity::Error,
        "ForAnyOfAnyValues:BoolEquals",
    );
}

#[test]
fn plain_operator_with_several_values() {
    one("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals {'a', 'b'}", "needs-quantifier", Severity::Error, "StringEquals");
    one(
        &format!("@Resource[{BLOBS}/tags&$keys$&] StringEquals 'Project'"),
        "needs-quantifier",
        Severity::Error,
        "StringEquals",
    );
}

#[test]
fn invalid_literals_for_the_operator() {
    one(
        "@Request[Microsoft.Authorization/roleAssignments:PrincipalId] GuidEquals 'Reader'",
        "invalid-value",
        Severity::Error,
        "'Reader'",
    );
    one(
        &format!("@Request[{BLOBS}:versionId] DateTimeEquals '2022-13-01T00:00:00Z'"),
        "invalid-value",
        Severity::Error,
        "'2022-13-01T00:00:00Z'",
    );
    one(
        &format!("@Request[{BLOBS}:versionId] DateTimeEquals '2022-06-01'"),
        "invalid-value",
        Severity::Error,
        "'2022-06-01'",
    );
    one(
        "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level] StringEquals 5",
        "invalid-value",
        Severity::Error,
        "5",
    );
    let mut catalog = Catalog::builtin().unwrap();
    catalog
        .add(r#"{"attributes": [{"name": "Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level", "sources": ["Principal"], "type": "Integer"}]}"#, "levels.json")
        .unwrap();
    let src = "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level] NumericGreaterThan '5'";
    let codes: Vec<String> = check_with(src, &catalog)
        .findings
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, ["invalid-value"]);
    assert!(check_with("@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level] NumericGreaterThan 5", &catalog).findings.is_empty());
}

#[test]
fn mixed_set() {
    let findings = findings("@Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'User', 5}");
    assert!(
        findings
            .iter()
            .any(|(c, s, t)| c == "mixed-set" && *s == Severity::Error && t == "{'User', 5}"),
        "{findings:?}"
    );
}

#[test]
fn invalid_custom_security_attribute_name() {
    let attr = "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Pro-ject]";
    one(
        &format!("{attr} StringEquals 'x'"),
        "invalid-custom-attribute",
        Severity::Error,
        attr,
    );
}

// ---- warnings ----

#[test]
fn any_of_any_not_equals_with_several_values() {
    let src = "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidNotEquals {8e3af657-a8ff-443c-a75c-2fe8c4bcb635, f58310d9-a9f6-439a-9e8d-f62e7b41a168}";
    one(
        src,
        "any-of-any-not-equals",
        Severity::Warning,
        "ForAnyOfAnyValues:GuidNotEquals",
    );
    assert!(!check(src).has_errors());
    assert!(findings("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidNotEquals {8e3af657-a8ff-443c-a75c-2fe8c4bcb635}").is_empty());
}

#[test]
fn read_guard_that_covers_listing() {
    let tag = format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>]");
    let src = guarded(
        &format!("!(ActionMatches{{'{BLOBS}/read'}})"),
        &format!("{tag} StringEquals 'Cascade'"),
    );
    one(&src, "list-not-excluded", Severity::Warning, &tag);
}

#[test]
fn attribute_that_does_not_apply_to_the_guarded_action() {
    let attr = "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]";
    let src = guarded(
        "!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})",
        &format!("{attr} ForAnyOfAnyValues:GuidEquals {{b24988ac-6180-42a0-ab88-20f7382dd24c}}"),
    );
    one(&src, "attribute-not-applicable", Severity::Warning, attr);
    let prefix = format!("@Request[{BLOBS}:prefix]");
    one(
        &guarded(READ_GUARD, &format!("{prefix} StringStartsWith 'a/'")),
        "attribute-not-applicable",
        Severity::Warning,
        &prefix,
    );
}

#[test]
fn unknown_action_in_a_known_namespace() {
    let action = format!("'{BLOBS}/reads'");
    one(
        &format!("!(ActionMatches{{{action}}})"),
        "unknown-action",
        Severity::Warning,
        &action,
    );
    assert!(
        findings("!(ActionMatches{'Contoso.Widgets/widgets/read'})").is_empty(),
        "unknown namespaces are not judged"
    );
}

#[test]
fn unknown_suboperation() {
    one(
        &format!("!(ActionMatches{{'{BLOBS}/read'}} AND NOT SubOperationMatches{{'Blob.Lists'}})"),
        "unknown-suboperation",
        Severity::Warning,
        "'Blob.Lists'",
    );
}

#[test]
fn quoted_guid() {
    one("@Request[Microsoft.Authorization/roleAssignments:PrincipalId] GuidEquals '28c35fea-2099-4cf5-8ad9-473547bc9423'", "quoted-guid", Severity::Warning, "'28c35fea-2099-4cf5-8ad9-473547bc9423'");
}

// ---- semantic findings: decided over every request ----

#[test]
fn a_condition_that_restricts_nothing_once_its_tag_is_there_is_always_true() {
    let tag = format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>]");
    let src = format!("{tag} StringNotEquals 'a' OR {tag} StringNotEquals 'b'");
    one(&src, "always-true", Severity::Warning, &src);
}

#[test]
fn the_semantic_findings_can_be_left_out() {
    // A caller that wants only the other rules (the parse fuzz target) skips the engine.
    let tag = format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>]");
    let src = format!("{tag} StringEquals 'a' AND {tag} StringEquals 'b'");
    let catalog = azcond::check::builtin_catalog();
    let without = azcond::check::CheckOptions { semantic: false };
    let codes = |options: &azcond::check::CheckOptions| -> Vec<String> {
        azcond::check::check_with_options(&src, catalog, options)
            .findings
            .into_iter()
            .map(|f| f.code)
            .collect()
    };
    assert_eq!(codes(&without), Vec::<String>::new());
    assert_eq!(
        codes(&azcond::check::CheckOptions::default()),
        ["never-true"]
    );
}

#[test]
fn a_condition_no_request_satisfies_is_never_true() {
    let tag = format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>]");
    let src = format!("{tag} StringEquals 'a' AND {tag} StringEquals 'b'");
    one(&src, "never-true", Severity::Warning, &src);
}

#[test]
fn a_comparison_no_value_satisfies_is_never_true_and_redundant() {
    let leaf = format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>] ForAnyOfAllValues:StringEquals {{'a', 'b'}}");
    let src = guarded(READ_GUARD, &format!("{leaf} OR @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"));
    let got = findings(&src);
    assert_eq!(
        got,
        [
            ("never-true".to_string(), Severity::Warning, leaf.clone()),
            ("redundant-clause".to_string(), Severity::Info, leaf.clone()),
        ],
        "{src}"
    );
}

/// The request a semantic finding's help gives as its witness, and what the clause it points
/// at decides for it.
fn witness_of(src: &str, code: &str) -> (serde_json::Value, bool) {
    let f = check(src)
        .findings
        .into_iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {src}"));
    let help = f.help.unwrap_or_default();
    let at = help
        .find("{\"action\"")
        .unwrap_or_else(|| panic!("no request in `{help}`"));
    let json = &help[at..];
    let request: azcond::Request = serde_json::from_str(json).unwrap();
    let clause = azcond::parse(f.span.slice(src).unwrap()).unwrap();
    (
        serde_json::from_str(json).unwrap(),
        clause.evaluate(&request).unwrap(),
    )
}

#[test]
fn semantic_findings_give_a_witness_the_evaluator_confirms() {
    let tag = format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>]");
    // Always true, even for the values it names.
    let (request, allowed) = witness_of(
        &format!("{tag} StringNotEquals 'a' OR {tag} StringNotEquals 'b'"),
        "always-true",
    );
    assert!(allowed);
    let value = &request["resource"][format!("{BLOBS}/tags")]["Project"];
    assert!(value == "a" || value == "b", "{request}");
    // Never true, even for the values it names.
    let (request, allowed) = witness_of(
        &format!("{tag} StringEquals 'a' AND {tag} StringEquals 'b'"),
        "never-true",
    );
    assert!(!allowed, "{request}");
    // A comparison: never true, whatever the list holds.
    let leaf = format!("{tag} ForAnyOfAllValues:StringEquals {{'a', 'b'}}");
    let src = guarded(READ_GUARD, &format!("{leaf} OR @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"));
    let (_, allowed) = witness_of(&src, "never-true");
    assert!(!allowed);
}

#[test]
fn a_repeated_clause_is_redundant_once() {
    let clause =
        format!("@Resource[{BLOBS}/tags:Project<$key_case_sensitive$>] StringEquals 'Cascade'");
    let src = guarded(READ_GUARD, &format!("{clause} OR {clause}"));
    let got = findings(&src);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "redundant-clause");
    assert_eq!(got[0].1, Severity::Info);
}
