/* Clones that keep the declared ABI: simd clones (with -fopenmp-simd) and
 * target_clones. */
#pragma omp declare simd notinbranch
int poly(int x) { return x * x * 3 + 2; }

__attribute__((target_clones("avx2", "default"))) int tc_sum(const int *v, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += v[i] * 3;
	return s;
}
