"""Domain logic shared by the console, the API, the widget and the command line."""
