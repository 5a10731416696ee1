"""The official Databricks SDK for Python as a later step or a client nobody here wrote.

Usage: python3 sdk_probe.py <mode> [json-args]. Prints one JSON line; never a token value.
Modes:
  auth   Config() from the environment, then authenticate(): what the SDK chose (auth type, token
         endpoint, audience) and the current user, as a later step of a job would see it.
  apis   every API the project calls, with the SDK's own request and response types: PAT create and
         delete, on-behalf-of create, list and delete, SCIM service principals, Lakebase (both kinds).
"""
import json
import os
import sys

if os.environ.get("DATABRICKS_SDK_PY"):  # the oracle in ../shared, not a pip-installed SDK
    sys.path.insert(0, os.environ["DATABRICKS_SDK_PY"])
    import prelude  # noqa: F401  (stubs the google-auth module Debian lacks)

from databricks.sdk import WorkspaceClient  # noqa: E402
from databricks.sdk.core import Config  # noqa: E402


def kind(value):
    return type(value).__name__


def auth(args):
    cfg = Config()
    cfg.authenticate()
    endpoints = cfg.databricks_oidc_endpoints if cfg.auth_type not in ("pat", "metadata-service") else None
    me = WorkspaceClient(config=cfg).current_user.me() if args.get("me", True) else None
    return {
        "auth_type": cfg.auth_type,
        "token_endpoint": endpoints.token_endpoint if endpoints else None,
        "audience": cfg.token_audience,
        "account_id": cfg.account_id,
        "workspace_id": cfg.workspace_id,
        "user_name": me.user_name if me else None,
    }


def apis(args):
    w = WorkspaceClient()
    out = {}
    created = w.tokens.create(lifetime_seconds=600, comment="sdk-conformance")
    out["pat_create"] = {"token_value": kind(created.token_value), "token_id": kind(created.token_info.token_id),
                         "expiry_time": kind(created.token_info.expiry_time)}
    w.tokens.delete(token_id=created.token_info.token_id)
    out["pat_delete"] = "ok"
    principals = list(w.service_principals.list(filter=f'applicationId eq "{args["application_id"]}"'))
    out["scim"] = [{"id": kind(p.id), "application_id": p.application_id == args["application_id"]} for p in principals]
    obo = w.token_management.create_obo_token(application_id=args["application_id"], lifetime_seconds=600,
                                             comment="sdk-conformance")
    out["obo_create"] = {"token_value": kind(obo.token_value), "token_id": kind(obo.token_info.token_id),
                         "owner_id": kind(obo.token_info.owner_id)}
    listed = [t for t in w.token_management.list() if t.token_id == obo.token_info.token_id]
    out["obo_list"] = [{"owner_id": kind(t.owner_id), "creation_time": kind(t.creation_time),
                        "expiry_time": kind(t.expiry_time)} for t in listed]
    w.token_management.delete(token_id=obo.token_info.token_id)
    out["obo_delete"] = "ok"
    instance = w.database.get_database_instance(name=args["instance"])
    out["instance"] = {"state": instance.state.value if instance.state else None,
                       "read_write_dns": kind(instance.read_write_dns)}
    credential = w.database.generate_database_credential(instance_names=[args["instance"]], request_id="conformance")
    out["instance_credential"] = {"token": kind(credential.token), "expiration_time": kind(credential.expiration_time)}
    endpoint = w.postgres.get_endpoint(name=args["endpoint"])
    out["endpoint"] = {"state": endpoint.status.current_state.value if endpoint.status.current_state else None,
                       "host": kind(endpoint.status.hosts.host)}
    pg = w.postgres.generate_database_credential(endpoint=args["endpoint"])
    out["endpoint_credential"] = {"token": kind(pg.token), "expire_time": kind(pg.expire_time)}
    return out


def main():
    mode = sys.argv[1]
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    try:
        result = auth(args) if mode == "auth" else apis(args)
        print(json.dumps({"ok": True, **result}))
    except Exception as error:  # the SDK's own message is the finding
        print(json.dumps({"ok": False, "error": kind(error), "message": str(error)[:2000]}))
        sys.exit(2)


main()
