"""`python -m bench.sandbox` end to end on a small organisation: it serves real pages and writes its block.
No timings are asserted (they live in docs/BENCHMARKS.md)."""

from bench import sandbox


def test_it_reads_full_pages_and_puts_its_table_into_the_issue_18_section(tmp_path, capsys):
    output = tmp_path / "BENCHMARKS.md"
    output.write_text(f"# Benchmarks\n\n## Issue 18\n\nprose\n\n{sandbox.NEXT_SECTION}\n\nmore\n")

    sandbox.main(["--contacts", "30", "--invoices", "3000", "--repeat", "2", "--write", "--output", str(output)])

    text = output.read_text()
    block = text[text.index(sandbox.BLOCK_START) : text.index(sandbox.BLOCK_END)]
    assert text.index(sandbox.SECTION_HEADING) < text.index(sandbox.NEXT_SECTION)
    assert "`python -m bench.sandbox --contacts 30 --invoices 3000 --repeat 2 --write --output" in block
    assert "| Invoices by InvoiceID, page 3 | 1,000 |" in block
    assert "| Invoices by InvoiceID, page 1 | 1,000 |" in block
    assert "| Contacts by ContactID, page 1 | 30 |" in block
    assert "generated in" in capsys.readouterr().out


def test_a_second_run_replaces_its_block(tmp_path):
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n")

    sandbox.docs_write(output, "first")
    sandbox.docs_write(output, "second")

    text = output.read_text()
    assert text.count(sandbox.BLOCK_START) == 1
    assert "second" in text
    assert "first" not in text
