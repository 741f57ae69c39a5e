"""Write: table rows from clean articles and rejects, and the Beam sinks that stage them as Parquet."""
