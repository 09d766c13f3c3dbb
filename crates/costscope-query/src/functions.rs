//! Athena/Trino functions as DataFusion UDFs.
