"""The analysis web app (Dash): distributions, an image browser with mask contours, submission comparison."""
