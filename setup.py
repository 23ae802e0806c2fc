"""Map the top-level folders onto the ``saypro`` import namespace.

``platform/`` must not be importable as a top-level package (it would shadow the
standard library's ``platform`` module), so the folders hold no ``__init__.py`` at their
root and are installed as ``saypro.platform``, ``saypro.tenants``, ``saypro.billing`` and
``saypro.migrations`` instead.
"""

from setuptools import find_namespace_packages, setup

ROOTS = {
    "platform": "platform",
    "tenants": "tenants",
    "billing": "billing",
    "migrations": "migrations",
}

package_dir: dict[str, str] = {}
packages: list[str] = []
for name, folder in ROOTS.items():
    package_dir[f"saypro.{name}"] = folder
    packages.append(f"saypro.{name}")
    packages += [
        f"saypro.{name}.{sub}"
        for sub in find_namespace_packages(folder, exclude=["*.__pycache__", "*.node_modules*"])
    ]

setup(package_dir=package_dir, packages=packages)
