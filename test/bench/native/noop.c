/*
 * Benchmark target: does nothing and exits 0.  Built static so that its own
 * start-up is as small as the machine allows; the benchmarks subtract its
 * cost to see what a dispatcher in front of it adds.
 */
int
main(void)
{
	return 0;
}
