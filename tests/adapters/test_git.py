"""The git adapter against real git: a team work tree, a bare remote, other users' clones, a rejecting hook."""

from __future__ import annotations

import base64
import functools
import logging
import shutil
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from ceremonies.adapters import state
from ceremonies.adapters.git import DocsRepo, Identity, PushOutcome, format_message
from ceremonies.errors import GitError, PushRejectedError, UsageError
from ceremonies.redaction import redact
from support.gitrepo import (
    DANA,
    TeamRepo,
    clone_again,
    commit_as_human,
    configure,
    git,
    make_team_repo,
    merge_branch,
)

BOT = Identity("ceremonies-bot", "bot@example.org")
TRAILERS = {"Ceremonies-Flow": "next-sprint", "Ceremonies-Run": "run-42"}
SECRET = "s3cr3t"


@pytest.fixture(scope="module")
def team_template(tmp_path_factory: pytest.TempPathFactory) -> TeamRepo:
    return make_team_repo(
        tmp_path_factory.mktemp("template"),
        {
            ".ai/sprint/SPR-001-iteration-template.md": "---\nsprint: 1\n---\n# Plan\n",
            ".ai/knowledgebase/index.md": "# KB\n",
            "README.md": "# Team docs\n",
        },
    )


@pytest.fixture
def team(team_template: TeamRepo, tmp_path: Path) -> TeamRepo:
    """A fresh copy of the template team repo (work tree + bare remote) in this test's tmp dir."""
    work = shutil.copytree(team_template.work, tmp_path / "work", symlinks=True)
    remote = shutil.copytree(team_template.remote, tmp_path / "remote.git", symlinks=True)
    config = work / ".git" / "config"
    config.write_text(config.read_text().replace(str(team_template.remote), str(remote)))
    return TeamRepo(work=work, remote=remote)


def chained_messages(error: BaseException) -> str:
    """Return the text of ``error`` and of every exception chained to it (as a traceback would show them)."""
    texts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        texts.append(f"{type(current).__name__}: {current} {current.args!r}")
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return "\n".join(texts)


def commit_count(work: Path, rev: str = "HEAD") -> int:
    return int(git(work, "rev-list", "--count", rev).strip())


def remote_head(team: TeamRepo) -> str:
    return git(team.remote, "rev-parse", "main").strip()


def write(work: Path, name: str, text: str) -> Path:
    path = work / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def bot_commit(repo: DocsRepo, name: str, text: str, message: str = "Next sprint plan") -> str | None:
    write(repo.root, name, text)
    return repo.commit_files([name], message, TRAILERS, BOT)


# ------------------------------------------------------------------------------------------------ commit_files


def test_commit_files_commits_only_the_named_paths(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    write(team.work, "README.md", "# Team docs\nhuman edit in progress\n")
    write(team.work, "notes/staged.md", "staged by a human\n")
    git(team.work, "add", "notes/staged.md")
    write(team.work, ".ai/sprint/SPR-002-iteration-template.md", "# Plan 2\n")

    sha = repo.commit_files([".ai/sprint/SPR-002-iteration-template.md"], "Next sprint plan", TRAILERS, BOT)

    assert sha is not None and sha == repo.head_sha()
    changed = git(team.work, "show", "--name-only", "--format=", sha).split()
    assert changed == [".ai/sprint/SPR-002-iteration-template.md"]
    status = git(team.work, "status", "--porcelain").splitlines()
    assert sorted(status) == [" M README.md", "A  notes/staged.md"]


def test_commit_files_uses_the_bot_identity_and_writes_readable_trailers(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    sha = bot_commit(repo, "kb/new.md", "# New\n", message="KB: refresh\n\nRegenerated pages.")
    assert sha is not None
    who = git(team.work, "log", "-1", "--format=%an <%ae>|%cn <%ce>", sha).strip()
    assert who == "ceremonies-bot <bot@example.org>|ceremonies-bot <bot@example.org>"
    flow = git(team.work, "log", "-1", "--format=%(trailers:key=Ceremonies-Flow,valueonly)", sha).strip()
    run = git(team.work, "log", "-1", "--format=%(trailers:key=Ceremonies-Run,valueonly)", sha).strip()
    assert (flow, run) == ("next-sprint", "run-42")
    assert git(team.work, "log", "-1", "--format=%B", sha) == (
        "KB: refresh\n\nRegenerated pages.\n\nCeremonies-Flow: next-sprint\nCeremonies-Run: run-42\n\n"
    )


def test_nothing_changed_returns_none_and_makes_no_commit(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    before = repo.head_sha()
    write(team.work, "README.md", "# Team docs\n")  # same bytes as committed
    assert repo.commit_files(["README.md"], "Nothing new", TRAILERS, BOT) is None
    assert repo.commit_files([], "Nothing at all", TRAILERS, BOT) is None
    git(team.work, "add", "-A")  # even with other files staged, nothing is committed for unchanged paths
    write(team.work, "other.md", "staged\n")
    git(team.work, "add", "other.md")
    assert repo.commit_files(["README.md"], "Nothing new", TRAILERS, BOT) is None
    assert repo.head_sha() == before
    assert commit_count(team.work) == 1


def test_commit_files_records_deleted_and_new_files(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    (team.work / ".ai/knowledgebase/index.md").unlink()
    write(team.work, ".ai/knowledgebase/home.md", "# Home\n")
    sha = repo.commit_files(
        [team.work / ".ai/knowledgebase/index.md", ".ai/knowledgebase/home.md"], "KB: rename index", {}, BOT
    )
    assert sha is not None
    changes = git(team.work, "show", "--name-status", "--format=", sha).split("\n")
    assert sorted(line for line in changes if line) == [
        "A\t.ai/knowledgebase/home.md",
        "D\t.ai/knowledgebase/index.md",
    ]
    assert repo.is_clean()


def test_commit_files_refuses_paths_outside_the_repo(team: TeamRepo, tmp_path: Path) -> None:
    repo = DocsRepo.open(team.work)
    with pytest.raises(UsageError, match="outside the repository"):
        repo.commit_files([tmp_path / "elsewhere.md"], "Escape", {}, BOT)
    with pytest.raises(UsageError, match="not a file inside"):
        repo.commit_files(["../elsewhere.md"], "Escape", {}, BOT)
    assert commit_count(team.work) == 1


def test_bad_trailers_and_empty_messages_are_refused() -> None:
    with pytest.raises(UsageError, match="trailer key"):
        format_message("Subject", {"Bad Key": "x"})
    with pytest.raises(UsageError, match="spans several lines"):
        format_message("Subject", {"Ceremonies-Run": "a\nb"})
    with pytest.raises(UsageError, match="empty"):
        format_message("  \n", {})


def test_first_commit_in_an_empty_repo(tmp_path: Path) -> None:
    work = tmp_path / "fresh"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    repo = DocsRepo.open(work)
    assert repo.head_sha() is None
    assert repo.last_commit_touching("a.md") is None
    write(work, "a.md", "first\n")
    sha = repo.commit_files(["a.md"], "First", {}, BOT)
    assert sha is not None and repo.head_sha() == sha
    assert repo.read_at(sha, "a.md") == b"first\n"
    assert repo.push() == PushOutcome(pushed=False, reason="no remote")


# ------------------------------------------------------------------------------------------------ queries


def test_last_commit_touching_and_read_at(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    first = repo.head_sha()
    sha = bot_commit(repo, "README.md", "# Team docs v2\n")
    info = repo.last_commit_touching("README.md")
    assert info is not None and info.sha == sha and info.author_email == BOT.email
    assert info.date.tzinfo is not None
    kb = repo.last_commit_touching(team.work / ".ai/knowledgebase/index.md")
    assert kb is not None and kb.sha == first and kb.author_name == DANA.name
    assert repo.last_commit_touching("never-there.md") is None
    assert repo.read_at(first or "", "README.md") == b"# Team docs\n"
    assert repo.read_at("HEAD", "README.md") == b"# Team docs v2\n"
    assert repo.read_at("HEAD", "missing.md") is None
    assert repo.read_at("HEAD", ".ai") is None  # a directory is not a file
    with pytest.raises(GitError, match="unknown revision"):
        repo.read_at("no-such-branch", "README.md")


def test_is_clean_per_path_and_whole_tree(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    assert repo.is_clean() and repo.is_clean("README.md")
    write(team.work, "README.md", "dirty\n")
    write(team.work, "untracked.md", "new\n")
    assert not repo.is_clean("README.md")
    assert not repo.is_clean("untracked.md")
    assert repo.is_clean(".ai/knowledgebase/index.md")
    assert not repo.is_clean()


def test_open_refuses_non_repos_and_other_branches(team: TeamRepo, tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        DocsRepo.open(tmp_path / "nowhere")
    with pytest.raises(GitError, match="bare repository"):
        DocsRepo.open(team.remote)
    with pytest.raises(GitError, match="expected 'release'"):
        DocsRepo.open(team.work, branch="release")
    assert DocsRepo.open(team.work).branch == "main"


# ------------------------------------------------------------------------------------------------ push


def test_push_to_the_bare_remote(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    sha = bot_commit(repo, "kb/page.md", "# Page\n")
    outcome = repo.push()
    assert outcome.pushed and outcome.sha == sha and outcome.attempts == 1 and not outcome.rebased
    assert remote_head(team) == sha
    assert repo.push() == PushOutcome(pushed=False, reason="up to date", sha=sha)


def test_concurrent_push_is_rebased_over_and_history_stays_linear(team: TeamRepo, tmp_path: Path) -> None:
    repo = DocsRepo.open(team.work)
    other = clone_again(team.remote, tmp_path / "sam")
    theirs = commit_as_human(other, {"notes/sam.md": "Sam's notes\n"}, "Sam's notes")
    git(other, "push", "-q", "origin", "main")
    write(team.work, "README.md", "# Team docs\nDana is still typing\n")  # unrelated dirty human file

    bot_commit(repo, ".ai/sprint/SPR-002-iteration-template.md", "# Plan 2\n")
    outcome = repo.push()

    assert outcome.pushed and outcome.rebased and outcome.attempts == 2
    assert remote_head(team) == repo.head_sha() == outcome.sha
    log = git(team.remote, "log", "--format=%s", "main").splitlines()
    assert log == ["Next sprint plan", "Sam's notes", "Team docs"]
    assert git(team.remote, "rev-list", "--merges", "main").strip() == ""
    assert git(team.remote, "rev-parse", "main~1").strip() == theirs
    assert (team.work / "README.md").read_text() == "# Team docs\nDana is still typing\n"


def test_conflicting_concurrent_change_raises_and_leaves_the_repo_clean(team: TeamRepo, tmp_path: Path) -> None:
    repo = DocsRepo.open(team.work)
    other = clone_again(team.remote, tmp_path / "sam")
    their_sha = commit_as_human(other, {"README.md": "# Sam's README\n"}, "Sam rewrites README")
    git(other, "push", "-q", "origin", "main")
    ours = bot_commit(repo, "README.md", "# Bot's README\n")

    with pytest.raises(GitError, match=r"conflicting changes in README\.md") as caught:
        repo.push(retries=2)

    assert not isinstance(caught.value, PushRejectedError)
    assert not (repo.git_dir / "rebase-merge").exists() and not (repo.git_dir / "rebase-apply").exists()
    assert repo.head_sha() == ours and repo.is_clean()
    assert remote_head(team) == their_sha


def test_push_rejected_by_a_hook_names_no_credentials(team: TeamRepo) -> None:
    hook = team.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'docs are frozen for the release' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    secret_url = f"https://dana:{SECRET}@git.example.invalid/team/docs.git"
    git(team.work, "remote", "set-url", "origin", secret_url)
    git(team.work, "config", f"url.{team.remote}.insteadOf", secret_url)
    repo = DocsRepo.open(team.work)
    bot_commit(repo, "kb/page.md", "# Page\n")

    with pytest.raises(PushRejectedError) as caught:
        repo.push()

    error = caught.value
    assert "docs are frozen for the release" in str(error)
    assert "https://***@git.example.invalid/team/docs.git" in str(error)
    assert SECRET not in chained_messages(error) and error.__cause__ is None
    assert repo.remote_url() == "https://***@git.example.invalid/team/docs.git"


def test_credentials_in_a_clone_url_never_appear_in_errors(tmp_path: Path) -> None:
    url = f"https://user:{SECRET}@127.0.0.1:9/team/docs.git"
    with pytest.raises(GitError) as caught:
        DocsRepo.open_or_clone(url, "main", tmp_path / "clone")
    message = str(caught.value)
    assert SECRET not in chained_messages(caught.value)
    assert "127.0.0.1:9/team/docs.git" in message and "user" not in message
    assert not (tmp_path / "clone").exists() or not any((tmp_path / "clone").iterdir())


class _BasicAuthHandler(SimpleHTTPRequestHandler):
    """Serves a bare repo over git's dumb HTTP protocol to clients that send ``dana:<SECRET>``."""

    expected = "Basic " + base64.b64encode(f"dana:{SECRET}".encode()).decode()
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization", ""))
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="docs"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def http_remote(team: TeamRepo, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Return the http URL (without credentials) of the team's bare remote, served on loopback with basic auth."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    git(team.remote, "update-server-info")
    handler = functools.partial(_BasicAuthHandler, directory=str(team.remote.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{team.remote.name}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_credentials_reach_git_but_no_config_file_log_or_error(
    team: TeamRepo, http_remote: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_url = http_remote.replace("http://", f"http://dana:{SECRET}@")
    workdir = tmp_path / "bot-clone"

    repo = DocsRepo.open_or_clone(secret_url, "main", workdir)

    assert repo.head_sha() == remote_head(team)
    assert _BasicAuthHandler.expected in _BasicAuthHandler.seen
    assert repo.remote_url() == http_remote
    assert SECRET not in (repo.git_dir / "config").read_text()
    commit_as_human(team.work, {"notes/new.md": "new\n"}, "Dana adds notes")
    git(team.work, "push", "-q", "origin", "main")
    git(team.remote, "update-server-info")
    again = DocsRepo.open_or_clone(secret_url, "main", workdir)  # reuse: fetch with the credentials again
    assert again.head_sha() == remote_head(team)
    with pytest.raises(GitError) as caught:
        DocsRepo.open_or_clone(http_remote.replace("http://", "http://dana:wrong-pass@"), "main", tmp_path / "x")
    assert "wrong-pass" not in chained_messages(caught.value)
    assert SECRET not in caplog.text and "wrong-pass" not in caplog.text


def test_redact_removes_userinfo_and_auth_headers() -> None:
    text = (
        "fatal: unable to access 'https://user:s3cr3t@host/x.git/': 403; "
        "http://tok@h:8080/p and ssh://git:pw@h/p; Authorization: Bearer abc.def"
    )
    cleaned = redact(text)
    assert SECRET not in cleaned and "tok@" not in cleaned and "pw@" not in cleaned and "abc.def" not in cleaned
    assert "'https://***@host/x.git/'" in cleaned and "http://***@h:8080/p" in cleaned
    assert redact("see https://example.org/a@b") == "see https://example.org/a@b"  # '@' in a path is no userinfo


def test_no_remote_means_no_push_and_a_no_op_pull(tmp_path: Path) -> None:
    team = make_team_repo(tmp_path, {"a.md": "a\n"})
    git(team.work, "remote", "remove", "origin")
    repo = DocsRepo.open(team.work)
    assert not repo.has_remote() and repo.remote_url() is None
    repo.pull()
    bot_commit(repo, "a.md", "b\n")
    assert repo.push() == PushOutcome(pushed=False, reason="no remote")


# ------------------------------------------------------------------------------------------------ pull


def test_pull_fast_forwards_and_rebases_local_commits(team: TeamRepo, tmp_path: Path) -> None:
    repo = DocsRepo.open(team.work)
    other = clone_again(team.remote, tmp_path / "sam")
    commit_as_human(other, {"notes/one.md": "1\n"}, "One")
    git(other, "push", "-q", "origin", "main")
    repo.pull()
    assert repo.head_sha() == remote_head(team)

    commit_as_human(other, {"notes/two.md": "2\n"}, "Two")
    git(other, "push", "-q", "origin", "main")
    bot_commit(repo, "kb/page.md", "# Page\n")
    repo.pull()
    assert git(team.work, "log", "--format=%s", "-3").splitlines() == ["Next sprint plan", "Two", "One"]


def test_pull_refuses_when_local_changes_would_be_overwritten(team: TeamRepo, tmp_path: Path) -> None:
    repo = DocsRepo.open(team.work)
    other = clone_again(team.remote, tmp_path / "sam")
    commit_as_human(other, {"README.md": "# From Sam\n"}, "Sam edits README")
    git(other, "push", "-q", "origin", "main")
    write(team.work, "README.md", "# Dana's unsaved work\n")
    before = repo.head_sha()

    with pytest.raises(GitError, match=r"uncommitted local changes to README\.md"):
        repo.pull()

    assert (team.work / "README.md").read_text() == "# Dana's unsaved work\n"
    assert repo.head_sha() == before


def test_pull_and_push_when_the_remote_branch_does_not_exist_yet(tmp_path: Path) -> None:
    remote = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    repo = DocsRepo.open_or_clone(str(remote), "main", tmp_path / "clone")
    assert repo.head_sha() is None and repo.branch == "main"
    repo.pull()
    sha = bot_commit(repo, "a.md", "first\n")
    outcome = repo.push()
    assert outcome.pushed and git(remote, "rev-parse", "main").strip() == sha


# ------------------------------------------------------------------------------------------------ open_or_clone


def test_open_or_clone_of_a_bare_repo_path_clones_and_reuses(team: TeamRepo, tmp_path: Path) -> None:
    workdir = tmp_path / "bot-clone"
    repo = DocsRepo.open_or_clone(team.remote, "main", workdir)
    assert repo.root == workdir.resolve() and repo.head_sha() == remote_head(team)
    assert (workdir / "README.md").read_text() == "# Team docs\n"

    write(workdir, "README.md", "left over by a crashed run\n")
    commit_as_human(team.work, {"notes/new.md": "new\n"}, "Dana adds notes")
    git(team.work, "push", "-q", "origin", "main")

    again = DocsRepo.open_or_clone(str(team.remote), "main", workdir)
    assert again.head_sha() == remote_head(team)
    assert (workdir / "notes/new.md").exists() and again.is_clean("README.md")


def test_reused_clone_keeps_unpushed_commits(team: TeamRepo, tmp_path: Path) -> None:
    workdir = tmp_path / "bot-clone"
    repo = DocsRepo.open_or_clone(str(team.remote), "main", workdir)
    bot_commit(repo, "kb/page.md", "# Page\n")  # committed, then the run died before pushing
    commit_as_human(team.work, {"notes/new.md": "new\n"}, "Dana adds notes")
    git(team.work, "push", "-q", "origin", "main")

    again = DocsRepo.open_or_clone(str(team.remote), "main", workdir)

    assert git(workdir, "log", "--format=%s", "-3").splitlines() == ["Next sprint plan", "Dana adds notes", "Team docs"]
    assert again.push().pushed
    assert remote_head(team) == again.head_sha()


def test_open_or_clone_refuses_a_workdir_holding_another_repo(team: TeamRepo, tmp_path: Path) -> None:
    other = make_team_repo(tmp_path / "other", {"x.md": "x\n"})
    workdir = tmp_path / "bot-clone"
    DocsRepo.open_or_clone(str(other.remote), "main", workdir)
    with pytest.raises(GitError, match="not of"):
        DocsRepo.open_or_clone(str(team.remote), "main", workdir)


def test_open_or_clone_of_a_work_tree_opens_it_in_place(team: TeamRepo) -> None:
    repo = DocsRepo.open_or_clone(str(team.work), "main", None)
    assert repo.root == team.work.resolve()


def test_open_or_clone_names_a_missing_branch(team: TeamRepo, tmp_path: Path) -> None:
    with pytest.raises(GitError, match="branch 'docs' not found on the remote"):
        DocsRepo.open_or_clone(str(team.remote), "docs", tmp_path / "clone")


# ------------------------------------------------------------------------------------------------ crashes, shallow


def test_a_rebase_left_by_a_crashed_run_is_aborted_on_open(team: TeamRepo, tmp_path: Path) -> None:
    repo = DocsRepo.open(team.work)
    other = clone_again(team.remote, tmp_path / "sam")
    commit_as_human(other, {"README.md": "# Sam\n"}, "Sam")
    git(other, "push", "-q", "origin", "main")
    ours = bot_commit(repo, "README.md", "# Bot\n")
    git(team.work, "fetch", "-q")
    state.save(repo.git_dir, state.REBASE, {"upstream": "origin/main"})
    with pytest.raises(RuntimeError):  # a conflicting rebase, as if the process died in the middle of it
        git(team.work, "-c", "user.name=x", "-c", "user.email=x@y", "rebase", "origin/main")

    reopened = DocsRepo.open(team.work)

    assert not (reopened.git_dir / "rebase-merge").exists() and reopened.head_sha() == ours


def test_a_human_rebase_in_progress_is_left_alone(team: TeamRepo, tmp_path: Path) -> None:
    repo = DocsRepo.open(team.work)
    other = clone_again(team.remote, tmp_path / "sam")
    commit_as_human(other, {"README.md": "# Sam\n"}, "Sam")
    git(other, "push", "-q", "origin", "main")
    bot_commit(repo, "README.md", "# Bot\n")
    git(team.work, "fetch", "-q")
    with pytest.raises(RuntimeError):
        git(team.work, "rebase", "origin/main")
    with pytest.raises(GitError, match="a rebase is in progress"):
        DocsRepo.open(team.work)
    assert (repo.git_dir / "rebase-merge").exists()


def test_shallow_clone_can_be_deepened(team: TeamRepo, tmp_path: Path) -> None:
    first = git(team.work, "rev-parse", "HEAD").strip()
    for number in range(3):
        merge_branch(team.work, f"feature-{number}", {f"notes/{number}.md": f"{number}\n"}, f"Change {number}")
    git(team.work, "push", "-q", "origin", "main")
    repo = DocsRepo.open_or_clone(f"file://{team.remote}", "main", tmp_path / "shallow", depth=1)
    assert repo.is_shallow()
    assert repo.deepen(first)
    assert git(repo.root, "merge-base", "--is-ancestor", first, "HEAD") == ""
    assert repo.deepen() or not repo.is_shallow()
    assert not repo.is_shallow()
    assert git(repo.root, "rev-list", "--merges", "--count", "HEAD").strip() == "3"


def test_merge_branch_builds_real_merge_commits(team: TeamRepo) -> None:
    sha = merge_branch(team.work, "feature/x", {"x.md": "x\n"}, "Add x", merge_message="Merge pull request #7")
    parents = git(team.work, "rev-list", "--parents", "-1", sha).split()
    assert len(parents) == 3
    assert git(team.work, "log", "-1", "--format=%s|%an", sha).strip() == "Merge pull request #7|Dana Human"
    assert git(team.work, "branch", "--list", "feature/x").strip() == ""


def test_push_after_a_crash_that_hid_the_earlier_push_reports_up_to_date(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    old = repo.head_sha() or ""
    sha = bot_commit(repo, "kb/page.md", "# Page\n")
    assert repo.push().pushed
    git(team.work, "update-ref", "refs/remotes/origin/main", old)  # the run died before it saw the push succeed
    outcome = repo.push()
    assert not outcome.pushed and outcome.reason == "up to date" and outcome.sha == sha
    assert remote_head(team) == sha and commit_count(team.work, "origin/main") == 2


def test_index_left_behind_by_a_crash_is_repaired_by_the_next_commit(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    bot_commit(repo, "README.md", "# Team docs v2\n")
    git(team.work, "reset", "-q", "HEAD~1", "--", "README.md")  # the run died between update-ref and the index sync
    assert not repo.is_clean("README.md")
    assert repo.commit_files(["README.md"], "Again", TRAILERS, BOT) is None
    assert repo.is_clean("README.md") and commit_count(team.work) == 2


# ------------------------------------------------------------------------------------------------ races


def test_concurrent_bot_pushes_from_several_clones_all_land_linearly(team: TeamRepo, tmp_path: Path) -> None:
    clones = [DocsRepo.open_or_clone(team.remote, "main", tmp_path / f"bot-{number}") for number in range(5)]
    for number, repo in enumerate(clones):
        bot_commit(repo, f"kb/page-{number}.md", f"# Page {number}\n", message=f"KB page {number}")
    start = threading.Barrier(len(clones))

    def push(repo: DocsRepo) -> PushOutcome:
        start.wait()
        return repo.push(retries=len(clones) * 2)

    with ThreadPoolExecutor(len(clones)) as pool:
        outcomes = list(pool.map(push, clones))

    assert all(outcome.pushed for outcome in outcomes)
    subjects = git(team.remote, "log", "--format=%s", "main").splitlines()
    assert sorted(subjects[:-1]) == [f"KB page {number}" for number in range(5)] and subjects[-1] == "Team docs"
    assert git(team.remote, "rev-list", "--merges", "main").strip() == ""


def test_concurrent_open_or_clone_into_one_workdir(team: TeamRepo, tmp_path: Path) -> None:
    workdir = tmp_path / "shared"
    with ThreadPoolExecutor(4) as pool:
        repos = list(pool.map(lambda _: DocsRepo.open_or_clone(team.remote, "main", workdir), range(4)))
    assert {repo.head_sha() for repo in repos} == {remote_head(team)}
    assert [path.name for path in tmp_path.iterdir() if ".clone-" in path.name] == []


def test_default_workdir_is_reused_between_runs(
    team: TeamRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CEREMONIES_WORKDIR", str(tmp_path / "cache"))
    first = DocsRepo.open_or_clone(str(team.remote), "main", None)
    second = DocsRepo.open_or_clone(str(team.remote), "main", None)
    assert first.root == second.root and first.root.parent == (tmp_path / "cache").resolve()
    assert first.root.name.startswith("remote-")


def test_reused_clone_drops_its_own_conflicting_unpushed_commit(team: TeamRepo, tmp_path: Path) -> None:
    workdir = tmp_path / "bot-clone"
    repo = DocsRepo.open_or_clone(team.remote, "main", workdir, identity=BOT)
    bot_commit(repo, "README.md", "# Bot's README\n")  # committed, then the run died before pushing
    theirs = commit_as_human(team.work, {"README.md": "# Dana's README\n"}, "Dana rewrites README")
    git(team.work, "push", "-q", "origin", "main")

    again = DocsRepo.open_or_clone(team.remote, "main", workdir, identity=BOT)

    assert again.head_sha() == theirs and again.is_clean()


def test_reused_clone_keeps_a_humans_conflicting_unpushed_commit(team: TeamRepo, tmp_path: Path) -> None:
    workdir = tmp_path / "bot-clone"
    DocsRepo.open_or_clone(team.remote, "main", workdir, identity=BOT)
    configure(workdir, DANA)
    mine = commit_as_human(workdir, {"README.md": "# Typed in the bot's clone\n"}, "Manual fix")
    commit_as_human(team.work, {"README.md": "# Dana's README\n"}, "Dana rewrites README")
    git(team.work, "push", "-q", "origin", "main")

    with pytest.raises(GitError, match=r"conflicting changes in README\.md"):
        DocsRepo.open_or_clone(team.remote, "main", workdir, identity=BOT)

    assert git(workdir, "rev-parse", "HEAD").strip() == mine


def test_paths_that_never_existed_are_skipped_and_ignored_paths_refused(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    assert repo.commit_files(["never/written.md"], "Nothing", {}, BOT) is None
    write(team.work, "kb/real.md", "# Real\n")
    sha = repo.commit_files(["kb/real.md", "never/written.md"], "One real page", {}, BOT)
    assert sha is not None and git(team.work, "show", "--name-only", "--format=", sha).split() == ["kb/real.md"]
    write(team.work, ".gitignore", "*.tmp\n")
    write(team.work, "kb/draft.tmp", "scratch\n")
    with pytest.raises(GitError, match=r"git add failed: .*ignored"):
        repo.commit_files(["kb/draft.tmp"], "Ignored", {}, BOT)
    assert repo.head_sha() == sha


def test_push_to_an_unreachable_remote_is_a_git_error_not_a_rejection(team: TeamRepo, tmp_path: Path) -> None:
    with DocsRepo.open(team.work) as repo:
        bot_commit(repo, "kb/page.md", "# Page\n")
        git(team.work, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
        with pytest.raises(GitError, match=r"gone\.git failed: .*does not appear to be a git repository") as caught:
            repo.push()
        assert not isinstance(caught.value, PushRejectedError)


def test_a_half_clone_left_by_a_killed_run_is_removed(team: TeamRepo, tmp_path: Path) -> None:
    leftover = tmp_path / ".bot-clone.clone-killed"
    (leftover / ".git").mkdir(parents=True)
    repo = DocsRepo.open_or_clone(team.remote, "main", tmp_path / "bot-clone")
    assert not leftover.exists() and repo.head_sha() == remote_head(team)


def test_commit_refuses_when_head_moved_to_another_branch(team: TeamRepo) -> None:
    repo = DocsRepo.open(team.work)
    git(team.work, "checkout", "-q", "-b", "feature")
    write(team.work, "kb/page.md", "# Page\n")
    with pytest.raises(GitError, match="HEAD is on 'feature', not on 'main'"):
        repo.commit_files(["kb/page.md"], "Page", {}, BOT)
    assert commit_count(team.work, "main") == 1


def test_concurrent_commits_in_one_work_tree_all_land(team: TeamRepo) -> None:
    names = [f"kb/page-{number}.md" for number in range(6)]
    for name in names:
        write(team.work, name, f"# {name}\n")
    start = threading.Barrier(len(names))

    def commit(name: str) -> str | None:
        repo = DocsRepo.open(team.work)
        start.wait()
        return repo.commit_files([name], f"Add {name}", {}, BOT)

    with ThreadPoolExecutor(len(names)) as pool:
        shas = list(pool.map(commit, names))

    assert None not in shas and commit_count(team.work) == 1 + len(names)
    assert sorted(git(team.work, "ls-tree", "-r", "--name-only", "HEAD", "kb").split()) == sorted(names)
    assert DocsRepo.open(team.work).is_clean()
