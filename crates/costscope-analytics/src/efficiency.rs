//! Efficiency KPIs per account, team and week, and the efficiency score.
