//! A proposed `Cargo.dependencies.nix` entry, as text and as edits of the deps file.

use crate::backend::overrides::{CrateSelector, Edit};

/// A proposed `Cargo.dependencies.nix` entry for one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub crate_name: String,
    /// nixpkgs attribute paths for `deps."<crate>"`, written inside `with pkgs; [ ... ]`.
    pub packages: Vec<String>,
    /// `envs."<crate>"`; each value is the content of a Nix double-quoted string and may
    /// contain `${...}` antiquotations, so write it between `"` without escaping `$`.
    pub envs: Vec<(String, String)>,
}

impl Suggestion {
    /// The `deps` (and `envs`) lines to put in Cargo.dependencies.nix, inside `with pkgs;`.
    pub fn as_nix(&self) -> String {
        let mut text = format!(
            "deps.\"{}\" = [ {} ];",
            self.crate_name,
            self.packages.join(" ")
        );
        for (var, value) in &self.envs {
            text.push_str(&format!(
                "\nenvs.\"{}\".{var} = \"{value}\";",
                self.crate_name
            ));
        }
        text
    }

    /// The edits that add this entry to the deps file, for every version of the crate.
    pub fn edits(&self) -> Vec<Edit> {
        let target = CrateSelector::all_versions(&self.crate_name);
        let deps = self.packages.iter().map(|package| Edit::AddDep {
            target: target.clone(),
            package: package.clone(),
        });
        let envs = self.envs.iter().map(|(var, value)| Edit::SetEnvExpression {
            target: target.clone(),
            var: var.clone(),
            expression: format!("\"{value}\""),
        });
        deps.chain(envs).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_add_every_package_then_every_env_for_all_versions() {
        let suggestion = Suggestion {
            crate_name: "clang-sys".into(),
            packages: vec!["llvmPackages.libclang".into()],
            envs: vec![(
                "LIBCLANG_PATH".into(),
                "${pkgs.llvmPackages.libclang.lib}/lib".into(),
            )],
        };
        let target = CrateSelector::all_versions("clang-sys");
        assert_eq!(
            suggestion.edits(),
            [
                Edit::AddDep {
                    target: target.clone(),
                    package: "llvmPackages.libclang".into(),
                },
                Edit::SetEnvExpression {
                    target,
                    var: "LIBCLANG_PATH".into(),
                    expression: "\"${pkgs.llvmPackages.libclang.lib}/lib\"".into(),
                },
            ]
        );
    }
}
