"""The peer: openapi-spec-validator validating every given spec in one Python process.

One process for all files, like `rampart audit DIR`, so neither side pays start-up per file.
Prints one line per file that is invalid or unreadable, then a summary line.
"""
import json
import sys

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

valid = invalid = 0
for path in sys.argv[1:]:
    try:
        spec, base_uri = read_from_filename(path)
        validate(spec, base_uri=base_uri)
        valid += 1
    except Exception as error:  # the validator raises many types; each is one invalid spec here
        invalid += 1
        print(f"{path}: {type(error).__name__}: {str(error).splitlines()[0][:160]}", file=sys.stderr)
print(f"openapi-spec-validator: {valid} valid, {invalid} invalid or unreadable")
