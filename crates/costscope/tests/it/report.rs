//! End-to-end tests of `costscope report weekly`: the files it writes, the figures a real
//! browser shows (headless Chromium), how the page fits a phone, and its errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::{costscope, demo_data, fails, ingested_lake, ok};

const BUDGETS: &str =
    "budgets:\n  - name: app-team monthly\n    scope: team=app-team\n    amount: 9000\n";

/// A lake with the shared organisation's CUR and business metrics.
fn lake_with_metrics() -> tempfile::TempDir {
    let lake = ingested_lake();
    ok(costscope(lake.path())
        .args(["ingest", "metrics"])
        .arg(demo_data().join("business_metrics.csv")));
    lake
}

/// One number from hand-written SQL.
fn sql_number(lake: &Path, sql: &str) -> f64 {
    let out = ok(costscope(lake).args(["sql", sql, "--format", "csv"]));
    out.lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("a number from {sql}: {out}"))
}

/// `1234.5` → `$1,234.50` (written here apart from the report's own formatter).
fn dollars(value: f64) -> String {
    let text = format!("{:.2}", value.abs());
    let (whole, cents) = text.split_once('.').expect("point");
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{}${grouped}.{cents}", if value < 0.0 { "-" } else { "" })
}

/// The Chromium binary the browser tests drive; they fail, never skip, without it
/// (scripts/test installs it).
fn chromium() -> PathBuf {
    let path = std::env::var_os("COSTSCOPE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} is missing: the report's browser test needs Chromium (apt-get install chromium; \
         scripts/test installs it)",
        path.display()
    );
    path
}

/// Runs headless Chromium with `args` on `url` at a phone's size; returns stdout.
fn browse(args: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            "--window-size=390,844",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn chromium");
    // A guard against a browser that never exits, not a timing assertion.
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().expect("chromium output");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn file_url(path: &Path) -> String {
    format!(
        "file://{}",
        path.canonicalize().expect("absolute").display()
    )
}

/// The text of the element whose start tag contains `marker` (up to its first `<`).
fn text_after<'a>(dom: &'a str, marker: &str) -> &'a str {
    let start = dom
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in the DOM"));
    let rest = &dom[start..];
    let open_end = rest.find('>').expect("tag end") + 1;
    let close = rest[open_end..].find('<').expect("text end");
    &rest[open_end..open_end + close]
}

#[test]
fn the_weekly_report_shows_the_weeks_figures_in_a_browser_and_fits_a_phone() {
    let lake = lake_with_metrics();
    let work = tempfile::tempdir().expect("tempdir");
    let budgets = work.path().join("budgets.yaml");
    std::fs::write(&budgets, BUDGETS).expect("budgets");
    let out_dir = work.path().join("reports");
    let summary = ok(costscope(lake.path())
        .args([
            "report", "weekly", "--team", "app-team", "--week", "2026-W43", "--format", "json",
        ])
        .arg("--budgets")
        .arg(&budgets)
        .arg("--out")
        .arg(&out_dir));
    let summary: Vec<serde_json::Value> = serde_json::from_str(&summary).expect("json summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["team"], "app-team");
    assert_eq!(summary[0]["week"], "2026-W43");
    let html = out_dir.join("app-team-2026-W43.html");
    for file in [
        &html,
        &out_dir.join("app-team-2026-W43.md"),
        &out_dir.join("app-team-2026-W43.json"),
    ] {
        assert!(file.exists(), "{}", file.display());
        assert!(
            summary[0]["files"]
                .as_str()
                .expect("files")
                .contains(&*file.display().to_string())
        );
    }

    let week_total = sql_number(
        lake.path(),
        "SELECT sum(amortized_cost) AS cost FROM cur_amortized \
         WHERE resource_tags['user_team'] = 'app-team' \
         AND line_item_usage_start_date >= TIMESTAMP '2026-10-19 00:00:00' \
         AND line_item_usage_start_date < TIMESTAMP '2026-10-26 00:00:00'",
    );
    let month_to_date = sql_number(
        lake.path(),
        "SELECT sum(amortized_cost) AS cost FROM cur_amortized \
         WHERE resource_tags['user_team'] = 'app-team' \
         AND line_item_usage_start_date >= TIMESTAMP '2026-10-01 00:00:00' \
         AND line_item_usage_start_date < TIMESTAMP '2026-10-26 00:00:00'",
    );
    assert!(week_total > 100.0);
    assert_eq!(summary[0]["this_week"], dollars(week_total));

    // What the browser shows.
    let dom = browse(&["--dump-dom"], &file_url(&html));
    assert!(dom.contains("<h1 id=\"team\">app-team</h1>"), "{dom}");
    assert_eq!(text_after(&dom, "id=\"week-total\""), dollars(week_total));
    assert_eq!(text_after(&dom, "class=\"budget-amount\""), "$9,000.00");
    assert!(dom.contains(&dollars(month_to_date)), "the budget's actual");
    // The score, the top recommendation and the NAT anomaly of the week, as the JSON has them.
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("app-team-2026-W43.json")).expect("json"),
    )
    .expect("valid json");
    let score = json["score"]["value"].as_f64().expect("score");
    assert!((300.0..=850.0).contains(&score), "{score}");
    assert!(
        dom.contains(&format!("Score <strong>{score:.0}</strong>")),
        "{dom}"
    );
    let top = &json["recommendations"][0];
    assert!(
        dom.contains(&dollars(top["monthly_saving"].as_f64().expect("saving"))),
        "{top}"
    );
    let nat = json["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .find(|a| {
            a["root_cause"]
                .as_str()
                .is_some_and(|c| c.contains("NatGateway"))
        })
        .expect("the NAT anomaly");
    assert_eq!(nat["start"], "2026-10-22");
    assert!(
        dom.contains(&dollars(nat["impact"].as_f64().expect("impact"))),
        "{nat}"
    );
    assert_eq!(dom.matches("<svg").count(), dom.matches("</svg>").count());
    assert!(dom.matches("<svg").count() >= 3);

    // At a phone's width (390 px) nothing runs off the side: a harness page (with a
    // script of its own; the report has none) loads the report in a 390 px frame and
    // records how wide its content is.
    let harness = work.path().join("phone.html");
    std::fs::write(
        &harness,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\">\
             <iframe id=\"r\" src=\"{}\" style=\"border:0;width:390px;height:844px\" \
             onload=\"var d=this.contentDocument.documentElement;\
             document.body.setAttribute('data-width', d.scrollWidth);\
             document.body.setAttribute('data-columns', getComputedStyle(this.contentDocument.querySelector('main')).gridTemplateColumns.split(' ').length);\"></iframe>\
             </body></html>",
            file_url(&html)
        ),
    )
    .expect("harness");
    let framed = browse(&["--dump-dom"], &file_url(&harness));
    let attribute = |name: &str| -> u32 {
        let start = framed
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("{name} in {framed}"))
            + name.len()
            + 2;
        framed[start..start + framed[start..].find('"').expect("quote")]
            .parse()
            .expect("number")
    };
    assert!(
        attribute("data-width") <= 390,
        "content {} px wide",
        attribute("data-width")
    );
    assert_eq!(attribute("data-columns"), 1, "one column on a phone");

    // A phone-sized screenshot is produced (a PNG of 390 × 844).
    let png = work.path().join("phone.png");
    browse(
        &[&format!("--screenshot={}", png.display())],
        &file_url(&html),
    );
    let bytes = std::fs::read(&png).expect("screenshot");
    assert_eq!(&bytes[1..4], b"PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().expect("width"));
    let height = u32::from_be_bytes(bytes[20..24].try_into().expect("height"));
    assert_eq!((width, height), (390, 844));
}

#[test]
fn all_teams_get_a_report_and_an_unknown_team_is_refused() {
    let lake = lake_with_metrics();
    let work = tempfile::tempdir().expect("tempdir");
    let out_dir = work.path().join("all");
    let teams = ok(costscope(lake.path()).args([
        "sql",
        "SELECT DISTINCT resource_tags['user_team'] AS team FROM cur \
         WHERE resource_tags['user_team'] IS NOT NULL ORDER BY 1",
        "--format",
        "csv",
    ]));
    let teams: Vec<&str> = teams.lines().skip(1).collect();
    assert!(teams.len() >= 5, "{teams:?}");
    let summary = ok(costscope(lake.path())
        .args([
            "report",
            "weekly",
            "--all-teams",
            "--files",
            "md,json",
            "--format",
            "csv",
            "--out",
        ])
        .arg(&out_dir));
    assert_eq!(summary.lines().count(), teams.len() + 1, "{summary}");
    for team in &teams {
        assert!(
            out_dir.join(format!("{team}-2026-W43.md")).exists(),
            "{team}"
        );
        assert!(
            out_dir.join(format!("{team}-2026-W43.json")).exists(),
            "{team}"
        );
        assert!(
            !out_dir.join(format!("{team}-2026-W43.html")).exists(),
            "{team}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("data-team-2026-W43.json")).expect("json"),
    )
    .expect("valid json");
    assert_eq!(json["header"]["team"], "data-team");
    let score = json["score"]["value"].as_f64().expect("data-team's score");
    assert!((300.0..=850.0).contains(&score), "{score}");

    let output = fails(
        costscope(lake.path())
            .args(["report", "weekly", "--team", "nobody", "--out"])
            .arg(work.path().join("none")),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown team `nobody`"), "{stderr}");
    assert!(stderr.contains(&teams.join(", ")), "{stderr}");
    assert!(
        !work
            .path()
            .join("none")
            .join("nobody-2026-W43.html")
            .exists()
    );

    let output = fails(
        costscope(lake.path())
            .args([
                "report", "weekly", "--team", "app-team", "--week", "2026-43", "--out",
            ])
            .arg(work.path().join("none")),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ISO week"));
}
