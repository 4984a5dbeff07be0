"""The Docker setup is checked where no Docker engine runs (scripts/compose_checks.py).

The repository passes every check; tampered copies of it (in a temporary directory) fail with a
message that names what is wrong.
"""

import importlib.util
import os
import shutil
import tempfile

from odoo.tests import BaseCase, tagged

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def load_checks():
    spec = importlib.util.spec_from_file_location("compose_checks", os.path.join(REPO, "scripts", "compose_checks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestDockerCompose(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.checks = load_checks()

    def tampered(self, name, old, new):
        """A copy of the repository's Docker files and addons with `old` replaced by `new` in `name`."""
        tmp = tempfile.mkdtemp(prefix="lfs-compose-")
        self.addCleanup(shutil.rmtree, tmp, True)
        copy = os.path.join(tmp, "repo")
        shutil.copytree(
            REPO,
            copy,
            ignore=shutil.ignore_patterns(".git", ".var", ".venv", "node_modules", "__pycache__", "static", "i18n"),
        )
        path = os.path.join(copy, name)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        self.assertIn(old, text, f"the tampering of {name} found nothing to replace")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text.replace(old, new))
        return copy

    def assertProblem(self, repo, *needles):
        problems = self.checks.check_all(repo)
        matching = [problem for problem in problems if all(needle in problem for needle in needles)]
        self.assertTrue(matching, f"no problem naming {needles} among {problems}")

    def test_repository_passes(self):
        problems = self.checks.check_all(REPO)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_dependency_missing_from_the_image(self):
        repo = self.tampered("docker/apt-runtime.txt", "python3-jsonschema", "python3-attr")
        self.assertProblem(repo, "shipment_events/__manifest__.py", "'jsonschema'", "python3-jsonschema")

    def test_list_not_installed_by_the_dockerfile(self):
        repo = self.tampered("Dockerfile", "$(sed -e 's/#.*//' /tmp/suite-deps/apt-runtime.txt)", "python3-lxml")
        self.assertProblem(repo, "Dockerfile", "docker/apt-runtime.txt")

    def test_unpinned_pip_requirement(self):
        repo = self.tampered("docker/pip-runtime.txt", "(apt-runtime.txt).\n", "(apt-runtime.txt).\npydifact\n")
        self.assertProblem(repo, "pydifact", "not pinned")

    def test_mounted_path_missing(self):
        repo = self.tampered(
            "docker-compose.yml", "- ./odoo.conf:/etc/odoo/odoo.conf:ro", "- ./odoo-prod.conf:/etc/odoo/odoo.conf:ro"
        )
        self.assertProblem(repo, "service odoo mounts ./odoo-prod.conf", "does not exist")

    def test_addons_path_not_mounted(self):
        repo = self.tampered("odoo.conf", "addons_path = /opt/logistics-suite,", "addons_path = /mnt/extra-addons,")
        self.assertProblem(repo, "addons_path", "/mnt/extra-addons", "neither mounted")
        self.assertProblem(repo, "does not name /opt/logistics-suite")

    def test_healthcheck_missing(self):
        repo = self.tampered(
            "docker-compose.yml",
            'test: ["CMD", "curl", "-fsS", "http://127.0.0.1:8069/web/health"]',
            'test: ["CMD", "true"]',
        )
        self.assertProblem(repo, "service odoo has no healthcheck on /web/health")

    def test_default_master_password(self):
        repo = self.tampered("docker-compose.yml", "${ODOO_ADMIN_PASSWD:-}", "admin")
        self.assertProblem(repo, "ODOO_ADMIN_PASSWD", "no default master password")
