"""Cookiecutter's hook: check the answers and render the project with Copier.

Cookiecutter runs this file in the new, empty project folder; Copier checks the answers
with the rules of copier.yml before writing anything, then renders template/ into the
folder (see hooks/cookiecutter_copy.py). On a bad answer it prints Copier's message and
exits 1, and cookiecutter removes the folder. Needs Copier next to cookiecutter.
"""

import json
import sys
from pathlib import Path

# Cookiecutter renders this file with Jinja before running it, from the template's
# folder: the line below receives the answers and that folder's absolute path.
CONTEXT = json.loads(r'{{ {"answers": cookiecutter, "template_dir": "." | realpath} | tojson }}')

if __name__ == "__main__":
    sys.path.insert(0, CONTEXT["template_dir"])
    from hooks.cookiecutter_copy import main

    raise SystemExit(main(CONTEXT["answers"], Path(CONTEXT["template_dir"]), Path.cwd()))
