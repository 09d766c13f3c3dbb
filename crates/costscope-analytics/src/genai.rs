//! GenAI (Bedrock) cost and tokens by model, provider type, pricing model, profile and team.
