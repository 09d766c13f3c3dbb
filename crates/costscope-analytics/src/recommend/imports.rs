//! Recommendations imported from AWS Compute Optimizer (EC2 export, lake table
//! `optimizer_ec2`) and Cost Optimization Hub (export table, lake table
//! `optimizer_recommendations`), as a source beside costscope's rules.
