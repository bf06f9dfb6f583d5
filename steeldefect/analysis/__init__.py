"""Looking at data and results: EDA, the error-analysis report, the Dash app and run_all.sh's summary."""
