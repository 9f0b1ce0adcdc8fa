#!/bin/sh
# Creates the secrets of the "selfhosted" profile (Postgres and Garage) once, and prints
# the lines .env needs to reach them. From the repository root:
#
#   sh infrastructure/selfhosted-secrets.sh >> .env
#
# The files land in infrastructure/secrets/, readable by their owner only and never
# committed. Running it again refuses to overwrite them: Postgres and Garage keep the
# first values in their volumes, and new ones would no longer match.
set -eu

secrets_dir="$(dirname "$0")/secrets"
if [ -e "$secrets_dir/postgres.env" ] || [ -e "$secrets_dir/garage.env" ]; then
  echo "selfhosted-secrets.sh: $secrets_dir already holds secrets; nothing changed" >&2
  exit 1
fi

random_hex() {
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

umask 077
mkdir -p "$secrets_dir"

postgres_password="$(random_hex 24)"
access_key="GK$(random_hex 16)"
secret_key="$(random_hex 32)"
bucket="khaznati"

printf 'POSTGRES_PASSWORD=%s\n' "$postgres_password" > "$secrets_dir/postgres.env"
{
  printf 'GARAGE_RPC_SECRET=%s\n' "$(random_hex 32)"
  printf 'GARAGE_DEFAULT_ACCESS_KEY=%s\n' "$access_key"
  printf 'GARAGE_DEFAULT_SECRET_KEY=%s\n' "$secret_key"
  printf 'GARAGE_DEFAULT_BUCKET=%s\n' "$bucket"
} > "$secrets_dir/garage.env"

cat <<LINES
DATABASE_URL=postgres://khaznati:$postgres_password@postgres:5432/khaznati
REDIS_URL=redis://redis:6379
S3_ENDPOINT=http://garage:3900
S3_REGION=garage
S3_BUCKET=$bucket
S3_ACCESS_KEY=$access_key
S3_SECRET_KEY=$secret_key
LINES
