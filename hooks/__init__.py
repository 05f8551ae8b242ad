"""Plain Python beside the template: checks of rendered projects, cookiecutter's front door."""
