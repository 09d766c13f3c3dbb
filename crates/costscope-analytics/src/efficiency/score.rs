//! The weekly efficiency score: one number per team and week on a 300–850 scale, from the
//! KPIs weighted against goals (defaults below, or a YAML file), each component's points,
//! the actions that would raise the score most, the week-over-week change and a league
//! table. See `docs/score.md`.
//!
//! Small eligible spend is not punished for noise: a component's attainment is shrunk
//! toward the organisation's attainment with a prior worth `prior_spend` dollars
//! (Bayesian average), so a team with $3 of gp2 is scored near the organisation, not at 0.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use costscope_core::TeamExpr;
use costscope_query::Session;
use serde::{Deserialize, Serialize};

use super::kpis::{Part, collect, range};
use super::{Kpi, Week};
use crate::rules_file::{self, Spanned, invalid};
use crate::{Error, Result};

/// The bottom of the scale (a team attaining nothing).
pub const SCALE_MIN: f64 = 300.0;
/// The top of the scale (every goal met).
pub const SCALE_MAX: f64 = 850.0;

/// One component: a KPI, its weight and its goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    pub kpi: Kpi,
    pub weight: f64,
    /// The value to reach (higher-is-better KPIs) or stay under (lower-is-better).
    pub goal: f64,
}

/// Weights, goals and the shrink prior.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreConfig {
    /// Where it came from (`defaults` or the file).
    pub origin: String,
    /// Eligible dollars per week the organisation's attainment is worth in each team's
    /// component (the Bayesian prior).
    pub prior_spend: f64,
    pub components: Vec<Component>,
}

impl Default for ScoreConfig {
    /// The documented defaults (weights add up to 100).
    fn default() -> Self {
        let c = |kpi: Kpi, weight| Component {
            kpi,
            weight,
            goal: kpi.default_goal(),
        };
        ScoreConfig {
            origin: "defaults".into(),
            prior_spend: 50.0,
            components: vec![
                c(Kpi::Graviton, 15.0),
                c(Kpi::CurrentGeneration, 10.0),
                c(Kpi::Spot, 5.0),
                c(Kpi::CommitmentCoverage, 15.0),
                c(Kpi::CommitmentUtilisation, 10.0),
                c(Kpi::Gp3, 10.0),
                c(Kpi::OldSnapshots, 5.0),
                c(Kpi::S3Standard, 10.0),
                c(Kpi::Idle, 20.0),
            ],
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    prior_spend: Option<Spanned<f64>>,
    #[serde(default)]
    components: std::collections::HashMap<Spanned<String>, ComponentFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentFile {
    weight: Option<Spanned<f64>>,
    goal: Option<Spanned<f64>>,
}

impl ScoreConfig {
    /// Reads a score configuration (every error names file, line and column).
    pub fn load(path: &Path) -> Result<ScoreConfig> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        ScoreConfig::parse(&text, &path.display().to_string())
    }

    /// Parses a configuration; unnamed components keep their defaults.
    pub fn parse(text: &str, origin: &str) -> Result<ScoreConfig> {
        let file: ConfigFile = rules_file::parse(text, origin)?;
        let mut config = ScoreConfig {
            origin: origin.to_string(),
            ..ScoreConfig::default()
        };
        if let Some(prior) = &file.prior_spend {
            if !(**prior >= 0.0 && prior.is_finite()) {
                return Err(invalid(
                    origin,
                    prior,
                    "prior_spend must be a non-negative number",
                ));
            }
            config.prior_spend = **prior;
        }
        let mut named: Vec<(&Spanned<String>, &ComponentFile)> = file.components.iter().collect();
        named.sort_by_key(|(name, _)| {
            name.span()
                .start()
                .map(|m| (m.line(), m.column()))
                .unwrap_or_default()
        });
        for (name, component) in named {
            let kpi: Kpi = name.parse().map_err(|_| {
                let names: Vec<&str> = Kpi::ALL.iter().map(|k| k.name()).collect();
                invalid(
                    origin,
                    name,
                    format!(
                        "unknown component `{}` (expected one of {})",
                        name.as_str(),
                        names.join(", ")
                    ),
                )
            })?;
            let slot = config
                .components
                .iter_mut()
                .find(|c| c.kpi == kpi)
                .ok_or_else(|| invalid(origin, name, "component missing from the defaults"))?;
            if let Some(weight) = &component.weight {
                if !(**weight >= 0.0 && weight.is_finite()) {
                    return Err(invalid(
                        origin,
                        weight,
                        "weight must be a non-negative number",
                    ));
                }
                slot.weight = **weight;
            }
            if let Some(goal) = &component.goal {
                if !(**goal > 0.0 && **goal <= 1.0) {
                    return Err(invalid(origin, goal, "goal must be a share in (0, 1]"));
                }
                if !kpi.higher_is_better() && **goal >= 1.0 {
                    return Err(invalid(
                        origin,
                        goal,
                        "a lower-is-better goal must be under 1",
                    ));
                }
                slot.goal = **goal;
            }
        }
        if config.components.iter().all(|c| c.weight <= 0.0) {
            return Err(Error::InvalidFile {
                location: crate::error::Location {
                    origin: origin.to_string(),
                    line: 1,
                    column: 1,
                },
                message: "at least one component needs a positive weight".into(),
            });
        }
        Ok(config)
    }
}

/// What to score.
#[derive(Debug, Clone, Default)]
pub struct ScoreOptions {
    /// Who owns a line (allocation rules, or by default the `user_team` tag).
    pub team_expr: TeamExpr,
    /// The week; default: the last complete week with usage.
    pub week: Option<Week>,
    /// Only this team's explanation (the league table still ranks every team).
    pub team: Option<String>,
    pub config: ScoreConfig,
    /// Weeks of history before `week` for the trend (default 0 = the previous week only).
    pub history_weeks: u32,
}

/// The scores of every team in one week. Its JSON form is documented in `docs/score.md`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreReport {
    pub week: String,
    pub previous_week: String,
    pub scale: [f64; 2],
    pub config: ScoreConfig,
    /// The organisation as one team.
    pub organisation: TeamScore,
    /// Every team, best score first (the league table).
    pub teams: Vec<TeamScore>,
}

/// One team's score in the week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamScore {
    pub rank: usize,
    pub team: String,
    /// 300 + the sum of the components' points.
    pub score: f64,
    pub previous_score: Option<f64>,
    pub change: Option<f64>,
    /// The team's eligible spend over all components, USD.
    pub eligible_spend: f64,
    pub components: Vec<ComponentScore>,
    /// The actions that would raise the score most, best first (at most three).
    pub actions: Vec<Action>,
    /// Scores of earlier weeks, oldest first (`history_weeks`).
    pub history: Vec<WeekScore>,
}

/// A past week's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekScore {
    pub week: String,
    pub score: f64,
}

/// One component of a team's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentScore {
    pub kpi: Kpi,
    pub weight: f64,
    pub goal: f64,
    /// The team's KPI value (`None` without eligible spend).
    pub value: Option<f64>,
    /// The organisation's value, the prior the team's attainment is shrunk toward.
    pub organisation_value: Option<f64>,
    pub eligible: f64,
    /// How much of the goal the value attains, 0–1.
    pub attainment: Option<f64>,
    /// The attainment after shrinking toward the organisation's by the eligible spend.
    pub scored_attainment: f64,
    pub points: f64,
    pub max_points: f64,
    /// Weekly saving of reaching the goal, USD.
    pub saving: f64,
    pub top_item: Option<String>,
}

/// An action that raises the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub kpi: Kpi,
    pub action: String,
    /// The largest item to act on.
    pub target: Option<String>,
    /// Points gained by reaching the goal.
    pub points: f64,
    /// Weekly saving, USD.
    pub saving: f64,
}

/// How much of the goal a value attains.
pub fn attainment(kpi: Kpi, value: f64, goal: f64) -> f64 {
    let a = if kpi.higher_is_better() {
        if goal <= 0.0 { 1.0 } else { value / goal }
    } else if value <= goal {
        1.0
    } else {
        (1.0 - value) / (1.0 - goal)
    };
    a.clamp(0.0, 1.0)
}

/// Scores every team in the week (and the week before, for the change).
pub async fn score(session: &Session, options: &ScoreOptions) -> Result<ScoreReport> {
    let (_, week) = range(session, None, options.week).await?;
    let first = Week(week.start() - chrono::Duration::days(7 * (options.history_weeks as i64 + 1)));
    let (parts, _) = collect(session, &options.team_expr, first, week).await?;
    // Per week and team, summed over accounts.
    let mut by_team: BTreeMap<(Week, String), BTreeMap<Kpi, Part>> = BTreeMap::new();
    for ((w, _, team), parts) in &parts {
        let entry = by_team.entry((*w, team.clone())).or_default();
        for (kpi, part) in &parts.kpis {
            entry.entry(*kpi).or_default().merge(part);
        }
    }
    let config = &options.config;
    let mut weekly: BTreeMap<Week, (TeamScore, Vec<TeamScore>)> = BTreeMap::new();
    let mut w = first;
    while w <= week {
        let mut organisation: BTreeMap<Kpi, Part> = BTreeMap::new();
        let teams: BTreeSet<String> = by_team
            .keys()
            .filter(|(tw, _)| *tw == w)
            .map(|(_, t)| t.clone())
            .collect();
        for team in &teams {
            for (kpi, part) in &by_team[&(w, team.clone())] {
                organisation.entry(*kpi).or_default().merge(part);
            }
        }
        let org = team_score("(organisation)", &organisation, &organisation, config);
        let scores = teams
            .iter()
            .map(|team| team_score(team, &by_team[&(w, team.clone())], &organisation, config))
            .collect();
        weekly.insert(w, (org, scores));
        w = Week(w.end());
    }
    let previous = week.previous();
    let score_in = |w: Week, team: &str| {
        weekly.get(&w).and_then(|(org, teams)| {
            if team == org.team {
                Some(org.score)
            } else {
                teams.iter().find(|t| t.team == team).map(|t| t.score)
            }
        })
    };
    let (mut organisation, mut teams) = weekly.get(&week).cloned().unwrap_or_else(|| {
        let empty = BTreeMap::new();
        (
            team_score("(organisation)", &empty, &empty, config),
            Vec::new(),
        )
    });
    for team in std::iter::once(&mut organisation).chain(teams.iter_mut()) {
        team.previous_score = score_in(previous, &team.team);
        team.change = team.previous_score.map(|p| team.score - p);
        let mut w = first;
        while w < week {
            if let Some(score) = score_in(w, &team.team) {
                team.history.push(WeekScore {
                    week: w.label(),
                    score,
                });
            }
            w = Week(w.end());
        }
    }
    teams.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.team.cmp(&b.team))
    });
    for (index, team) in teams.iter_mut().enumerate() {
        team.rank = index + 1;
    }
    if let Some(wanted) = &options.team {
        if !teams.iter().any(|t| &t.team == wanted) {
            let known: Vec<&str> = teams.iter().map(|t| t.team.as_str()).collect();
            return Err(Error::InvalidArgument(format!(
                "unknown team `{wanted}` in {}: teams are {}",
                week.label(),
                known.join(", ")
            )));
        }
        teams.retain(|t| &t.team == wanted);
    }
    Ok(ScoreReport {
        week: week.label(),
        previous_week: previous.label(),
        scale: [SCALE_MIN, SCALE_MAX],
        config: config.clone(),
        organisation,
        teams,
    })
}

/// One team's components, points and actions against the organisation's parts.
fn team_score(
    team: &str,
    parts: &BTreeMap<Kpi, Part>,
    organisation: &BTreeMap<Kpi, Part>,
    config: &ScoreConfig,
) -> TeamScore {
    let empty = Part::default();
    // Components without eligible spend anywhere in the organisation drop out.
    // Components in which the team itself has no eligible spend do not apply to it.
    let active: Vec<&Component> = config
        .components
        .iter()
        .filter(|c| c.weight > 0.0)
        .filter(|c| organisation.get(&c.kpi).and_then(Part::value).is_some())
        .filter(|c| parts.get(&c.kpi).and_then(Part::value).is_some())
        .collect();
    let total_weight: f64 = active.iter().map(|c| c.weight).sum();
    let span = SCALE_MAX - SCALE_MIN;
    let mut components = Vec::new();
    let mut eligible_spend = 0.0;
    for component in &active {
        let part = parts.get(&component.kpi).unwrap_or(&empty);
        let org_part = organisation.get(&component.kpi).unwrap_or(&empty);
        let value = part.value();
        let org_value = org_part.value();
        let org_attainment = org_value
            .map(|v| attainment(component.kpi, v, component.goal))
            .unwrap_or(1.0);
        let team_attainment = value.map(|v| attainment(component.kpi, v, component.goal));
        let eligible = part.eligible.max(0.0);
        let prior = config.prior_spend;
        let scored = match team_attainment {
            Some(a) if eligible + prior > 0.0 => {
                (eligible * a + prior * org_attainment) / (eligible + prior)
            }
            Some(a) => a,
            None => org_attainment,
        };
        let max_points = span * component.weight / total_weight;
        eligible_spend += eligible;
        components.push(ComponentScore {
            kpi: component.kpi,
            weight: component.weight,
            goal: component.goal,
            value,
            organisation_value: org_value,
            eligible,
            attainment: team_attainment,
            scored_attainment: scored,
            points: max_points * scored,
            max_points,
            saving: part.saving(component.kpi, component.goal),
            top_item: part.top_item(),
        });
    }
    let score = SCALE_MIN + components.iter().map(|c| c.points).sum::<f64>();
    let mut actions: Vec<Action> = components
        .iter()
        .filter_map(|c| {
            let a = c.attainment?;
            let weight = if c.eligible + config.prior_spend > 0.0 {
                c.eligible / (c.eligible + config.prior_spend)
            } else {
                1.0
            };
            let points = c.max_points * weight * (1.0 - a);
            (points > 0.05).then(|| Action {
                kpi: c.kpi,
                action: c.kpi.action().to_string(),
                target: c.top_item.clone(),
                points,
                saving: c.saving,
            })
        })
        .collect();
    actions.sort_by(|a, b| {
        b.points
            .total_cmp(&a.points)
            .then_with(|| b.saving.total_cmp(&a.saving))
    });
    actions.truncate(3);
    TeamScore {
        rank: 0,
        team: team.to_string(),
        score,
        previous_score: None,
        change: None,
        eligible_spend,
        components,
        actions,
        history: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attainment_is_a_share_of_the_goal() {
        assert_eq!(attainment(Kpi::Graviton, 0.3, 0.6), 0.5);
        assert_eq!(attainment(Kpi::Graviton, 0.9, 0.6), 1.0);
        assert_eq!(attainment(Kpi::Idle, 0.01, 0.02), 1.0);
        assert_eq!(attainment(Kpi::Idle, 1.0, 0.02), 0.0);
    }

    #[test]
    fn config_errors_point_at_the_value() {
        let error = ScoreConfig::parse("components:\n  graviton:\n    goal: 1.5\n", "s.yaml")
            .expect_err("goal over 1");
        assert!(error.to_string().starts_with("s.yaml:3:11"), "{error}");
        let error = ScoreConfig::parse("components:\n  gravitn:\n    goal: 0.5\n", "s.yaml")
            .expect_err("unknown component");
        assert!(error.to_string().starts_with("s.yaml:2:3"), "{error}");
        let config = ScoreConfig::parse(
            "prior_spend: 10\ncomponents:\n  spot: {weight: 0}\n",
            "s.yaml",
        )
        .expect("valid");
        assert_eq!(config.prior_spend, 10.0);
        assert!(
            config
                .components
                .iter()
                .any(|c| c.kpi == Kpi::Spot && c.weight == 0.0)
        );
    }
}
