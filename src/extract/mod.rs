//! Conditions found inside other files: JSON documents (ARM templates with nested deployments,
//! REST role-assignment and role-definition JSON, `az role assignment list` output, Terraform
//! plan and state JSON), Terraform `.tf` files and YAML documents (Kubernetes manifests of Azure
//! Service Operator).
//!
//! Parsing is the libraries' job (jsonc-parser, which also reads ARM's `//` comments, and
//! hcl-edit); both give the byte range of each string. This module decodes the string token
//! itself, recording where every decoded byte came from, so that a finding inside a condition
//! points at its line and column in the file.

mod bicep;
mod json;
mod terraform;
mod yaml;

pub use self::bicep::{bicep, BicepError};
pub use self::json::{json, json_with_plan_before, JsonError};
pub use self::terraform::{terraform, TerraformError};
pub use self::yaml::{yaml, YamlError};

pub use crate::diagnostic::{Location, Role};

use crate::diagnostic::Diagnostic;
use crate::role::{Permission, RoleDefinition};
use crate::span::Span;

/// What a file holds: its conditions, the role definitions it defines, and what is wrong with
/// the file itself (a key given twice).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extraction {
    /// The conditions, in the order found.
    pub conditions: Vec<Found>,
    /// Role definitions the document defines (ARM `roleDefinitions`, `az role definition
    /// list` output), for judging the conditions of assignments of them.
    pub definitions: Vec<RoleDefinition>,
    /// Problems of the document, located in it.
    pub problems: Vec<Diagnostic>,
}

/// A condition found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The condition, decoded (escapes resolved, heredoc indentation removed).
    pub text: String,
    /// Where it sits: its JSON path (`$.resources[0].properties.condition`) or attribute path
    /// (`azurerm_role_assignment.reader.condition`), its Terraform address, its role definition.
    pub location: Location,
    /// For a condition in a role definition's permission: what that permission grants.
    pub grants: Option<Permission>,
    /// For a condition of a role assignment: the role it assigns, as written (an id, a resource
    /// id, an ARM expression holding the id, or a role name).
    pub assigned: Option<String>,
    /// The string token in the file.
    pub span: Span,
    /// For each byte of `text` (and one past its end), the byte of the file it came from.
    pub offsets: Vec<usize>,
    /// The `conditionVersion` beside it, with its place in the file, if given.
    pub version: Option<(String, Span)>,
    /// Why the text cannot be checked (an ARM expression, Terraform interpolation), if so.
    pub uncheckable: Option<String>,
}

impl Found {
    /// The span in the file of a span of [`Found::text`].
    pub fn map(&self, span: Span) -> Span {
        let at = |i: usize| {
            self.offsets
                .get(i)
                .or(self.offsets.last())
                .copied()
                .unwrap_or(self.span.start)
        };
        Span::new(at(span.start), at(span.end).max(at(span.start)))
    }
}

/// Decodes a JSON string token (`"…"`, quotes included) starting at file offset `base`.
pub(crate) fn decode_json_string(raw: &str, base: usize) -> Option<(String, Vec<usize>)> {
    let body = raw.strip_prefix('"')?.strip_suffix('"')?;
    decode_escapes(body, base + 1, Escapes::Json)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escapes {
    Json,
    Hcl,
}

/// Resolves backslash escapes of `body` (which starts at file offset `base`), recording for
/// each decoded byte the file offset of the character or escape it came from.
pub(crate) fn decode_escapes(
    body: &str,
    base: usize,
    style: Escapes,
) -> Option<(String, Vec<usize>)> {
    let mut text = String::with_capacity(body.len());
    let mut offsets = Vec::with_capacity(body.len() + 1);
    let mut chars = body.char_indices().peekable();
    let push = |text: &mut String, offsets: &mut Vec<usize>, c: char, at: usize| {
        for _ in 0..c.len_utf8() {
            offsets.push(at);
        }
        text.push(c);
    };
    while let Some((i, c)) = chars.next() {
        let at = base + i;
        if c != '\\' {
            push(&mut text, &mut offsets, c, at);
            continue;
        }
        let (_, e) = chars.next()?;
        let decoded = match e {
            '"' => '"',
            '\\' => '\\',
            '/' if style == Escapes::Json => '/',
            'b' if style == Escapes::Json => '\u{8}',
            'f' if style == Escapes::Json => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let first = hex_digits(&mut chars, 4)?;
                let code = if (0xd800..0xdc00).contains(&first) && style == Escapes::Json {
                    // A surrogate pair: `\uD83D\uDE00`.
                    if chars.next().map(|(_, c)| c) != Some('\\')
                        || chars.next().map(|(_, c)| c) != Some('u')
                    {
                        return None;
                    }
                    let second = hex_digits(&mut chars, 4)?;
                    0x10000 + ((first - 0xd800) << 10) + (second.checked_sub(0xdc00)?)
                } else {
                    first
                };
                char::from_u32(code)?
            }
            'U' if style == Escapes::Hcl => char::from_u32(hex_digits(&mut chars, 8)?)?,
            _ => return None,
        };
        push(&mut text, &mut offsets, decoded, at);
    }
    offsets.push(base + body.len());
    Some((text, offsets))
}

fn hex_digits(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>, n: usize) -> Option<u32> {
    let mut value = 0u32;
    for _ in 0..n {
        let (_, c) = chars.next()?;
        value = value.checked_mul(16)?.checked_add(c.to_digit(16)?)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_map_to_their_source() {
        let raw = r#""a\"b\u00e9\n\ud83d\ude00c""#;
        let (text, offsets) = decode_json_string(raw, 10).unwrap();
        assert_eq!(text, "a\"bé\n😀c");
        assert_eq!(offsets[0], 11); // a
        assert_eq!(offsets[1], 12); // \"
        assert_eq!(offsets[2], 14); // b
        assert_eq!(offsets[3], 15); // \u00e9, first byte
        assert_eq!(offsets[4], 15); // second byte
        assert_eq!(*offsets.last().unwrap(), 10 + raw.len() - 1);
    }

    #[test]
    fn bad_escapes_are_refused() {
        assert!(decode_json_string(r#""\q""#, 0).is_none());
        assert!(decode_json_string(r#""\u12""#, 0).is_none());
    }
}
