"""The app studio's pure half: turning spreadsheets and XLSForms into app definitions."""
