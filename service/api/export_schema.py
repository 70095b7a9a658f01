"""`python -m service.api.export_schema` prints the SDL committed as schema.graphql."""

from service.api.schema import build_schema

if __name__ == "__main__":
    print(build_schema().as_str())
