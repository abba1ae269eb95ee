#!/usr/bin/env bash
# Writes the fuzz seed corpus (a few dozen small captures from the project's own generator and sample
# scripts, pcap, pcapng and gzip) into FOLDER. Keep it out of the repository: it is made, not kept.
set -euo pipefail
folder=${1:?usage: fuzz/make-seeds.sh FOLDER}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dotnet run --project "$here/PcapResetInspector.Fuzz/PcapResetInspector.Fuzz.csproj" -c Release -- seeds "$folder"
