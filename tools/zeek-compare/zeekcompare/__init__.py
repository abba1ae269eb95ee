"""Pieces of compare.py: our conn.log against the conn.log baselines of Zeek's btest suite.

btest_files   finds the suite's tests and splits them into @TEST-EXEC lines, parts and files
btest_exec    follows the @TEST-EXEC shell lines to the zeek run behind each btest-diff-ed file
logs          parses Zeek logs (ours and the baselines) into rows
captures      reads a trace's link types
units         turns tests into comparisons (policy skips, deduplication of baselines)
runner        runs our tool once per (trace, checksum mode, BPF filter)
matching      pairs baseline rows with ours
comparison    compares the paired rows and counts them per category
report        writes the TSV files and prints the console summary
"""
