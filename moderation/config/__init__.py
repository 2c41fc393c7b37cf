"""Community configuration: schema, safe YAML loading, layers, overrides, resolver and hot reload.

Modules: ``schema`` (the pydantic models), ``yamltext`` (hostile-input-safe YAML with line numbers),
``merge`` (deep merge), ``loader`` (``load_config_dir``), ``validation`` (located errors),
``configset`` (communities and their platform spaces), ``resolver``/``criteria`` (per-scope config),
``levels`` (trust levels), ``reload`` (``ConfigHolder``), ``export``/``docgen`` (schema.json, docs).
"""
