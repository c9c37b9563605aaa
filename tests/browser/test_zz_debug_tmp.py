import time


def test_dump(page, sign_in, emails):
    sign_in(page, emails["practice_manager"])
    starts = {}
    page.on("request", lambda r: starts.__setitem__(r.url, time.time()))
    page.on("requestfinished", lambda r: print("  done %.2f %s" % (time.time() - starts.get(r.url, 0), r.url)))
    page.on("requestfailed", lambda r: print("  FAIL %.2f %s %s" % (time.time() - starts.get(r.url, 0), r.url, r.failure)))
    for url in ["/apps/staff_training/dashboard", "/apps/staff_training/", "/apps/staff_training/new", "/apps/staff_training/dashboard", "/"] * 2:
        t = time.time()
        page.goto(url, timeout=30000)
        print("took %.2f %s" % (time.time() - t, url))
