//! The rules that judge a condition against what its role grants: a role definition's own
//! permission, or the role an assignment assigns (defined in the same document, given with
//! `--roles`, or built in).
//!
//! - `unguarded-data-action`: the role grants an action that performs the same operation as
//!   one the condition guards, and the condition does not guard it (the documented bypass:
//!   a condition on `blobs/write` in a role that also grants `blobs/add/action`).
//! - `guard-not-granted`: the condition guards an action the role does not grant, so the clause
//!   behind that guard never applies.
//! - `action-not-conditionable`: none of the actions the role grants supports conditions.

use crate::ast::{Condition, ExprKind};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::glob::{Pattern, Syntax};
use crate::role::Permission;
use crate::span::Span;

use super::catalog::Catalog;

/// Every `ActionMatches` of the condition: its pattern, compiled, and where it is.
fn guards(condition: &Condition) -> Vec<(String, Pattern, Span)> {
    condition
        .expr()
        .descendants()
        .filter_map(|e| match e.kind() {
            ExprKind::ActionMatches(p) => Some((
                p.value.to_string(),
                Pattern::new(p.value, Syntax::Action, true),
                p.span,
            )),
            _ => None,
        })
        .collect()
}

/// Whether the condition reads an attribute the catalog has only from built-in roles.
fn reads_undocumented(condition: &Condition, catalog: &Catalog) -> bool {
    condition.expr().attributes().any(|a| {
        matches!(catalog.lookup(a.source, &a.name),
            super::catalog::Lookup::Known { attribute, .. } if !attribute.provenance.documented)
    })
}

fn warning(code: &str, message: String, span: Span, label: &str, help: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        code: code.into(),
        message,
        span,
        label: label.into(),
        related: Vec::new(),
        location: None,
        help: Some(help),
    }
}

/// Appends the findings of `condition` against the permissions of role `role`.
pub(super) fn run(
    condition: &Condition,
    role: &str,
    permissions: &[Permission],
    catalog: &Catalog,
    out: &mut Vec<Diagnostic>,
) {
    // Whether the role grants an action: a control-plane action through `actions`, a data
    // action through `dataActions`; one the catalog does not know, through either.
    let granted = |action: &str| {
        let data = catalog.action(action).map(|a| !a.control);
        permissions.iter().any(|p| match data {
            Some(data) => p.grants(action, data),
            None => p.grants(action, true) || p.grants(action, false),
        })
    };
    let guards = guards(condition);
    let guarded = |action: &str| guards.iter().any(|(_, p, _)| p.matches(action));

    // An attribute no page documents may apply to actions the catalog does not know (Microsoft's
    // Oracle role reads `HasObotoken` on Oracle actions): then nothing can be said.
    if !catalog.actions().iter().any(|a| granted(&a.name))
        && !reads_undocumented(condition, catalog)
    {
        out.push(warning(
            "action-not-conditionable",
            format!("none of the actions `{role}` grants supports conditions"),
            Span::at(0),
            "condition of a role without conditionable actions",
            "conditions apply to Storage blob and queue data actions, role-assignment writes and deletes, Key Vault secrets, Container Registry repositories and Log Analytics tables; for the others every attribute the condition reads is missing, so remove the condition or assign a role with such actions".into(),
        ));
        return;
    }

    for (written, pattern, span) in &guards {
        // The actions this guard names: the known ones its pattern matches, or itself.
        let mut named: Vec<&str> = catalog
            .actions()
            .iter()
            .map(|a| a.name.as_str())
            .filter(|a| pattern.matches(a))
            .collect();
        if named.is_empty() && !written.contains('*') {
            named.push(written);
        }
        if !named.is_empty() && !named.iter().any(|a| granted(a)) {
            out.push(warning(
                "guard-not-granted",
                format!("`{role}` does not grant `{written}`, so the clause this guard opens never applies"),
                *span,
                "action the role does not grant",
                "remove the clause, or check that the condition belongs to this role".into(),
            ));
        }
    }

    let mut reported: Vec<&str> = Vec::new();
    for group in catalog.same_operation() {
        let Some((_, _, span)) = guards.iter().find(|(_, p, _)| {
            group
                .when_guarded
                .iter()
                .any(|a| p.matches(a) && granted(a))
        }) else {
            continue;
        };
        for also in &group.also {
            if granted(also) && !guarded(also) && !reported.contains(&also.as_str()) {
                reported.push(also);
                let shown = catalog
                    .action(also)
                    .map_or(also.as_str(), |a| a.name.as_str());
                out.push(warning(
                    "unguarded-data-action",
                    format!(
                        "`{role}` also grants `{shown}`, which performs the same operation ({}) and this condition does not guard, so the condition can be bypassed through it",
                        group.what
                    ),
                    *span,
                    "guards one action of the operation, not all",
                    format!(
                        "guard `{shown}` as well (`!(ActionMatches{{'{shown}'}})` beside this guard, with the same clause), or take it out of the role{}",
                        group
                            .documentation
                            .first()
                            .map(|d| format!("; see {d}"))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
    }
}
