//! Cost anomaly detection with root cause (issue: intelligence loop).
