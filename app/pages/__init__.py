"""The pages of the main window: Model, Data, Train, Playground, Runs."""
